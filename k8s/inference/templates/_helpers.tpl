{{/* The chart's name, or nameOverride. */}}
{{- define "inference.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name; the release name alone when it already contains the chart's name. */}}
{{- define "inference.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "inference.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Kubernetes' recommended labels shared by every object of the release. */}}
{{- define "inference.labels" -}}
helm.sh/chart: {{ include "inference.chart" . }}
app.kubernetes.io/name: {{ include "inference.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ include "inference.tag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: inference
{{- end }}

{{/* Labels of one workload's objects: (dict "root" $ "w" $workload). */}}
{{- define "inference.workloadLabels" -}}
{{ include "inference.labels" .root }}
app.kubernetes.io/component: {{ .w.name }}
inference/service: {{ .w.service }}
{{- with .w.extractor }}
inference/extractor: {{ . }}
{{- end }}
{{- end }}

{{/* The labels that select one workload's pods; never change them (a Deployment's selector is immutable). */}}
{{- define "inference.selectorLabels" -}}
app.kubernetes.io/name: {{ include "inference.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .w.name }}
{{- end }}

{{- define "inference.tag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{/* <registry>/inference-<service>:<tag>, or what image.services.<service> says: its repository, tag, and @digest when set. */}}
{{- define "inference.image" -}}
{{- $own := get (.root.Values.image.services | default dict) .w.service | default dict }}
{{- $repository := get $own "repository" | default (printf "%s/inference-%s" (trimSuffix "/" .root.Values.image.registry) .w.service) }}
{{- $image := printf "%s:%s" $repository (get $own "tag" | default (include "inference.tag" .root)) }}
{{- with get $own "digest" }}{{ $image = printf "%s@%s" $image . }}{{ end }}
{{- $image }}
{{- end }}

{{/* The pods' ServiceAccount: the one the chart creates, or serviceAccount.name, or the namespace's default. */}}
{{- define "inference.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "inference.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The name of one workload's objects (Deployment, Service, ScaledObject, PodDisruptionBudget). */}}
{{- define "inference.workloadName" -}}
{{- printf "%s-%s" (include "inference.fullname" .root) .w.name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Lays the second map over the first, key by key, and returns the result as YAML (callers use fromYaml). Unlike sprig's
merge functions, a key present in the second map wins even when its value is false, 0 or empty.
*/}}
{{- define "inference.merge" -}}
{{- $out := deepCopy (index . 0) }}
{{- range $key, $value := (index . 1) }}
{{- if and (kindIs "map" $value) (kindIs "map" (index $out $key)) }}
{{- $_ := set $out $key (include "inference.merge" (list (index $out $key) $value) | fromYaml) }}
{{- else }}
{{- $_ := set $out $key $value }}
{{- end }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/* The extractors the routing table sends to: the distinct extractors of its routes plus the fallback, sorted. */}}
{{- define "inference.extractorNames" -}}
{{- $names := list (required "routing.fallback is required: the extractor for unrouted and unsure products" .Values.routing.fallback) }}
{{- range $category, $extractor := .Values.routing.routes }}
{{- $names = append $names $extractor }}
{{- end }}
{{- toJson ($names | uniq | sortAlpha) }}
{{- end }}

{{/*
Every workload of the release, as YAML {workloads: [...]}: name (component), service (image), queue (the one it
consumes; none for the Gateway), extractor (extractors only) and settings (defaults merged with its own block).
*/}}
{{- define "inference.workloads" -}}
{{- $v := .Values }}
{{- $workloads := list }}
{{- $workloads = append $workloads (dict "name" "orchestrator" "service" "orchestrator" "queue" "product-state" "extractor" "" "settings" (include "inference.merge" (list $v.defaults $v.orchestrator) | fromYaml)) }}
{{- $workloads = append $workloads (dict "name" "classifier" "service" "classifier" "queue" "classify" "extractor" "" "settings" (include "inference.merge" (list $v.defaults $v.classifier) | fromYaml)) }}
{{- /* The deep classifier: the Classifier image on the classify-deep queue alone, scaled on its own queue. */}}
{{- $workloads = append $workloads (dict "name" "classifier-deep" "service" "classifier" "queue" "classify-deep" "extractor" "" "settings" (include "inference.merge" (list $v.defaults $v.classifierDeep) | fromYaml)) }}
{{- $extractors := include "inference.extractorNames" . | fromJsonArray }}
{{- range $name := keys $v.extractors.byName | sortAlpha }}
{{- if not (has $name $extractors) }}
{{- fail (printf "extractors.byName.%s: no route or fallback sends to extractor %q (routing sends to: %s)" $name $name (join ", " $extractors)) }}
{{- end }}
{{- end }}
{{- $common := include "inference.merge" (list $v.defaults $v.extractors.common) | fromYaml }}
{{- range $name := $extractors }}
{{- if not (regexMatch "^[a-z0-9]+(-[a-z0-9]+)*$" $name) }}
{{- fail (printf "routing: extractor %q is not a kebab-case name, so extract-%s would not be a queue name" $name $name) }}
{{- end }}
{{- $settings := include "inference.merge" (list $common (get $v.extractors.byName $name | default dict)) | fromYaml }}
{{- $workloads = append $workloads (dict "name" (printf "extractor-%s" $name) "service" "extractor" "queue" (printf "extract-%s" $name) "extractor" $name "settings" $settings) }}
{{- end }}
{{- $workloads = append $workloads (dict "name" "validator" "service" "validator" "queue" "validate" "extractor" "" "settings" (include "inference.merge" (list $v.defaults $v.validator) | fromYaml)) }}
{{- $workloads = append $workloads (dict "name" "store" "service" "store" "queue" "store" "extractor" "" "settings" (include "inference.merge" (list $v.defaults $v.store) | fromYaml)) }}
{{- $workloads = append $workloads (dict "name" "gateway" "service" "gateway" "queue" "" "extractor" "" "settings" (include "inference.merge" (list $v.defaults $v.gateway) | fromYaml)) }}
{{- toYaml (dict "workloads" $workloads) }}
{{- end }}

{{/* Whether KEDA scales this workload: (dict "root" $ "w" $workload). */}}
{{- define "inference.kedaScaled" -}}
{{- if and .root.Values.keda.enabled .w.queue }}true{{ end }}
{{- end }}

{{/* The most replicas a workload can have, which decides whether it gets a PodDisruptionBudget. */}}
{{- define "inference.maxReplicas" -}}
{{- $s := .w.settings }}
{{- if include "inference.kedaScaled" . }}
{{- $s.keda.maxReplicas }}
{{- else if and (eq .w.name "gateway") $s.autoscaling.enabled }}
{{- $s.autoscaling.maxReplicas }}
{{- else }}
{{- $s.replicas }}
{{- end }}
{{- end }}

{{/* The StackExchange.Redis configuration string; the password comes in by $(INFERENCE_REDIS_PASSWORD). */}}
{{- define "inference.redisConfiguration" -}}
{{- $r := .Values.redis }}
{{- $parts := list (printf "%s:%v" $r.host $r.port) }}
{{- if $r.auth.enabled }}
{{- $parts = append $parts "password=$(INFERENCE_REDIS_PASSWORD)" }}
{{- end }}
{{- with $r.options }}
{{- $parts = append $parts . }}
{{- end }}
{{- join "," $parts }}
{{- end }}

{{- define "inference.managementUri" -}}
{{- default (printf "http://%s:15672/" .Values.rabbitmq.host) .Values.rabbitmq.managementUri }}
{{- end }}
