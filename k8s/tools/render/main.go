// Command render is a small stand-in for `helm template`, for machines without Helm: it renders a chart's templates
// with Go's text/template and sprig (the template functions Helm itself uses), with Helm's own additions that charts
// rely on (include, tpl, required, toYaml, fromYaml, toJson, fromJson and their Array forms), checks the values against values.schema.json
// as Helm does at install time, and prints the manifests as one multi-document YAML stream.
//
// It knows no subcharts, of .Files only Get, no lookup against a cluster, no hooks and no --set; see k8s/inference/README.md.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"github.com/xeipuuv/gojsonschema"
	"sigs.k8s.io/yaml"
)

type valueFiles []string

func (v *valueFiles) String() string     { return strings.Join(*v, ",") }
func (v *valueFiles) Set(s string) error { *v = append(*v, s); return nil }

// chartMetadata is the part of Chart.yaml templates read, under Helm's Go field names (.Chart.Name, .Chart.AppVersion).
type chartMetadata struct {
	APIVersion  string            `json:"apiVersion"`
	Name        string            `json:"name"`
	Version     string            `json:"version"`
	AppVersion  string            `json:"appVersion"`
	Description string            `json:"description"`
	Type        string            `json:"type"`
	KubeVersion string            `json:"kubeVersion"`
	Home        string            `json:"home"`
	Keywords    []string          `json:"keywords"`
	Annotations map[string]string `json:"annotations"`
}

type release struct {
	Name      string
	Namespace string
	Service   string
	Revision  int
	IsInstall bool
	IsUpgrade bool
}

type kubeVersion struct{ Version, Major, Minor string }

// chartFiles is the chart's .Files: Get reads a file of the chart by its path from the chart's folder, "" when there is none.
type chartFiles struct{ dir string }

func (f chartFiles) Get(name string) string {
	data, err := os.ReadFile(filepath.Join(f.dir, filepath.FromSlash(name)))
	if err != nil {
		return ""
	}
	return string(data)
}

func (k kubeVersion) String() string { return k.Version }

type apiVersions []string

// Has answers as Helm does: "apps/v1" or "apps/v1/Deployment".
func (a apiVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

type capabilities struct {
	KubeVersion kubeVersion
	APIVersions apiVersions
}

// builtinAPIVersions is what `helm template` assumes without a cluster (Kubernetes' own groups, no custom resources).
var builtinAPIVersions = apiVersions{
	"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v1", "autoscaling/v2", "networking.k8s.io/v1",
	"rbac.authorization.k8s.io/v1", "apiextensions.k8s.io/v1", "storage.k8s.io/v1", "scheduling.k8s.io/v1",
}

// installOrder is Helm's: documents are printed sorted by kind in this order, unknown kinds last.
var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass", "PersistentVolume",
	"PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
	"ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod",
	"ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob",
	"IngressClass", "Ingress", "APIService",
}

func main() {
	var files valueFiles
	chartDir := flag.String("chart", "", "chart folder (holds Chart.yaml)")
	name := flag.String("name", "inference", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	kube := flag.String("kube-version", "v1.31.0", "Kubernetes version for .Capabilities")
	var extraAPIs valueFiles
	flag.Var(&files, "f", "values file, merged over the chart's values.yaml (repeatable, later wins)")
	flag.Var(&extraAPIs, "api-versions", "extra API version for .Capabilities.APIVersions (repeatable)")
	strict := flag.Bool("strict", false, "fail on a reference to a value that does not exist (helm lint --strict)")
	notes := flag.Bool("notes", false, "print the rendered NOTES.txt after the manifests, as a comment")
	showValues := flag.Bool("show-values", false, "print the merged values as JSON and stop (after the schema check)")
	skipSchema := flag.Bool("skip-schema-validation", false, "do not check the values against values.schema.json")
	flag.Parse()
	if *chartDir == "" {
		fail(errors.New("-chart is required"))
	}

	out, err := run(*chartDir, files, *name, *namespace, *kube, extraAPIs, *strict, *notes, *showValues, *skipSchema)
	if err != nil {
		fail(err)
	}
	fmt.Print(out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "Error:", err)
	os.Exit(1)
}

func run(chartDir string, files []string, name, namespace, kube string, extraAPIs []string, strict, notes, showValues, skipSchema bool) (string, error) {
	var meta chartMetadata
	if err := readYAML(filepath.Join(chartDir, "Chart.yaml"), &meta); err != nil {
		return "", err
	}
	if meta.Name == "" || meta.Version == "" {
		return "", errors.New("Chart.yaml: name and version are required")
	}

	values := map[string]interface{}{}
	if err := readYAML(filepath.Join(chartDir, "values.yaml"), &values); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	for _, f := range files {
		override := map[string]interface{}{}
		if err := readYAML(f, &override); err != nil {
			return "", err
		}
		values = merge(values, override)
	}

	if !skipSchema {
		if err := validateSchema(chartDir, meta.Name, values); err != nil {
			return "", err
		}
	}
	if showValues {
		j, err := json.MarshalIndent(values, "", "  ")
		return string(j) + "\n", err
	}

	major, minor := "1", "31"
	if m := regexp.MustCompile(`^v?(\d+)\.(\d+)`).FindStringSubmatch(kube); m != nil {
		major, minor = m[1], m[2]
	}
	top := map[string]interface{}{
		"Values":  values,
		"Chart":   meta,
		"Release": release{Name: name, Namespace: namespace, Service: "Helm", Revision: 1, IsInstall: true},
		"Capabilities": capabilities{
			KubeVersion: kubeVersion{Version: kube, Major: major, Minor: minor},
			APIVersions: append(append(apiVersions{}, builtinAPIVersions...), extraAPIs...),
		},
		"Files": chartFiles{dir: chartDir},
	}
	return render(chartDir, meta.Name, top, strict, notes)
}

func readYAML(path string, into interface{}) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(data, into); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// merge lays override over base as Helm does with -f files: maps merge key by key, anything else replaces, and a
// null in the override deletes the key.
func merge(base, override map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(base))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range override {
		if v == nil {
			delete(out, k)
			continue
		}
		bm, baseIsMap := out[k].(map[string]interface{})
		om, overIsMap := v.(map[string]interface{})
		if baseIsMap && overIsMap {
			out[k] = merge(bm, om)
		} else {
			out[k] = v
		}
	}
	return out
}

func validateSchema(chartDir, chartName string, values map[string]interface{}) error {
	schema, err := os.ReadFile(filepath.Join(chartDir, "values.schema.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	doc, err := json.Marshal(values)
	if err != nil {
		return err
	}
	result, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(schema), gojsonschema.NewBytesLoader(doc))
	if err != nil {
		return fmt.Errorf("values.schema.json: %w", err)
	}
	if result.Valid() {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "values don't meet the specifications of the schema(s) in the following chart(s):\n%s:\n", chartName)
	for _, e := range result.Errors() {
		fmt.Fprintf(&b, "- %s\n", e)
	}
	return errors.New(strings.TrimSuffix(b.String(), "\n"))
}

func funcMap(root **template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	// Helm removes these: a chart must not depend on the environment of whoever renders it.
	delete(f, "env")
	delete(f, "expandenv")

	f["toYaml"] = func(v interface{}) string {
		data, err := yaml.Marshal(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(data), "\n")
	}
	f["fromYaml"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["fromYamlArray"] = func(s string) []interface{} {
		var a []interface{}
		if err := yaml.Unmarshal([]byte(s), &a); err != nil {
			a = []interface{}{err.Error()}
		}
		return a
	}
	f["toJson"] = func(v interface{}) string {
		data, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(data)
	}
	f["fromJson"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["fromJsonArray"] = func(s string) []interface{} {
		var a []interface{}
		if err := json.Unmarshal([]byte(s), &a); err != nil {
			a = []interface{}{err.Error()}
		}
		return a
	}
	f["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return v, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return v, errors.New(msg)
		}
		return v, nil
	}
	f["include"] = func(name string, data interface{}) (string, error) {
		var buf bytes.Buffer
		err := (*root).ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	f["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := (*root).Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return "", err
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	f["lookup"] = func(string, string, string, string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil // as under `helm template`: there is no cluster to look in
	}
	return f
}

type document struct {
	source string
	kind   string
	body   string
}

func render(chartDir, chartName string, top map[string]interface{}, strict, withNotes bool) (string, error) {
	templatesDir := filepath.Join(chartDir, "templates")
	entries, err := os.ReadDir(templatesDir)
	if err != nil {
		return "", err
	}

	var root *template.Template
	root = template.New(chartName).Funcs(funcMap(&root))
	if strict {
		root.Option("missingkey=error")
	} else {
		root.Option("missingkey=zero")
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(templatesDir, e.Name()))
		if err != nil {
			return "", err
		}
		name := chartName + "/templates/" + e.Name()
		if _, err := root.New(name).Parse(string(data)); err != nil {
			return "", err
		}
		names = append(names, name)
	}
	sort.Strings(names)

	var docs []document
	var notes string
	for _, name := range names {
		base := filepath.Base(name)
		if strings.HasPrefix(base, "_") {
			continue
		}
		data := make(map[string]interface{}, len(top)+1)
		for k, v := range top {
			data[k] = v
		}
		data["Template"] = map[string]interface{}{"Name": name, "BasePath": chartName + "/templates"}

		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if base == "NOTES.txt" {
			notes = text
			continue
		}
		if !strings.HasSuffix(base, ".yaml") && !strings.HasSuffix(base, ".yml") {
			continue
		}
		for _, body := range splitDocuments(text) {
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := yaml.Unmarshal([]byte(body), &head); err != nil {
				return "", fmt.Errorf("%s: the rendered YAML does not parse: %w\n%s", name, err, body)
			}
			if head.APIVersion == "" || head.Kind == "" {
				return "", fmt.Errorf("%s: a rendered document has no apiVersion or kind:\n%s", name, body)
			}
			docs = append(docs, document{source: name, kind: head.Kind, body: body})
		}
	}

	sort.SliceStable(docs, func(i, j int) bool { return kindRank(docs[i].kind) < kindRank(docs[j].kind) })
	var out strings.Builder
	for _, d := range docs {
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", d.source, d.body)
	}
	if withNotes && strings.TrimSpace(notes) != "" {
		out.WriteString("---\n# NOTES.txt\n")
		for _, line := range strings.Split(strings.TrimRight(notes, "\n"), "\n") {
			out.WriteString(strings.TrimRight("# "+line, " ") + "\n")
		}
	}
	return out.String(), nil
}

var separator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// splitDocuments cuts one template's output into its YAML documents and drops the empty ones (comments only, or
// nothing), as Helm does.
func splitDocuments(text string) []string {
	var docs []string
	for _, part := range separator.Split(text, -1) {
		body := strings.Trim(part, "\n")
		empty := true
		for _, line := range strings.Split(body, "\n") {
			if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
				empty = false
				break
			}
		}
		if !empty {
			docs = append(docs, body)
		}
	}
	return docs
}

func kindRank(kind string) int {
	for i, k := range installOrder {
		if k == kind {
			return i
		}
	}
	return len(installOrder)
}
