using Inference.Classifier;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Inference.Loopback;
using Inference.Contracts;
using Inference.Extractor;
using Inference.Hosting;
using Inference.Orchestrator;
using Inference.Sagas;
using Inference.Sagas.Redis;
using Inference.Data;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using NJsonSchema;

namespace Inference.Tests.Deployment;

/// <summary>
/// No Helm and no cluster here, so the chart (k8s/inference) is rendered by its stand-in renderer (k8s/render.sh) with the
/// values it ships with and with the example overrides in its ci/ folder, every document is loaded strictly into
/// Kubernetes' typed models (KEDA's own for its kinds), and what a deployment needs is checked: one Deployment per service
/// and per extractor the routing table sends to, probes, limits, non-root, settings that bind to real options, KEDA on the
/// right queues, credentials only from Secrets, and a schema that refuses a bad value.
/// </summary>
[Category("Deployment")]
public sealed class HelmChartTests
{
    static readonly string Root = SolutionLayout.FindRoot(TestContext.CurrentContext.TestDirectory);
    static readonly string ChartDir = Path.Combine(Root, "k8s", "inference");
    static readonly string[] Services = ["orchestrator", "classifier", "validator", "store", "gateway"];

    /// <summary>The values the chart is rendered with: its own, and the example files of its ci/ folder over them.</summary>
    public static readonly string[] ValueSets = ["default", "overrides", "no-keda", "monitoring"];

    static string[] ValuesFiles(string set) => set switch
    {
        "default" => [],
        "overrides" => [Path.Combine(ChartDir, "ci", "overrides-values.yaml")],
        "no-keda" => [Path.Combine(ChartDir, "ci", "no-keda-values.yaml")],
        "monitoring" => [Path.Combine(ChartDir, "ci", "monitoring-values.yaml")],
        _ => throw new ArgumentOutOfRangeException(nameof(set), set, null),
    };

    /// <summary>The extractors each value set's routing table sends to, written out so the test does not just repeat the chart.</summary>
    static string[] ExpectedExtractors(string set) => set == "overrides"
        ? ["catch-all", "electronics", "jewelry-watches", "office-products", "toys"]
        : OrchestratorRouting().Extractors.ToArray();

    /// <summary>Workloads that may run more than one replica yet have no PodDisruptionBudget, because the values say so.</summary>
    static string[] WithoutBudget(string set) => set == "overrides" ? ["extractor-toys"] : [];

    static readonly Dictionary<string, RenderedChart> Rendered = [];

    static RenderedChart Chart(string set)
    {
        lock (Rendered)
        {
            if (!Rendered.TryGetValue(set, out var chart))
            {
                var files = ValuesFiles(set);
                var values = ChartRenderer.Run(files, "-show-values");
                Assert.That(values.ExitCode, Is.Zero, $"{set}: {values.Stderr}");
                // -strict: a template that reads a value the values do not have fails instead of rendering nothing.
                var manifests = ChartRenderer.Run(files, "-strict");
                Assert.That(manifests.ExitCode, Is.Zero, $"{set}: {manifests.Stderr}");
                chart = new RenderedChart(manifests.Stdout, JsonNode.Parse(values.Stdout)!.AsObject());
                Rendered[set] = chart;
            }

            return chart;
        }
    }

    static RoutingOptions OrchestratorRouting() =>
        new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Root, "services", "Orchestrator", "appsettings.json"))
            .Build().GetSection(RoutingOptions.Section).Get<RoutingOptions>()!;

    [TestCaseSource(nameof(ValueSets))]
    public void Should_render_documents_that_load_into_the_typed_models(string set)
    {
        var chart = Chart(set);
        Assert.That(chart.Objects, Is.Not.Empty);
        Assert.That(chart.Objects, Has.None.Null);
        var names = chart.Objects.Select(o => $"{o.GetType().Name}/{RenderedChart.Metadata(o).Name}").ToArray();
        Assert.That(names, Is.Unique);
        Assert.That(chart.Objects.Select(o => RenderedChart.Metadata(o).Name), Has.All.Matches<string>(n => Regex.IsMatch(n, "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")));
    }

    [TestCaseSource(nameof(ValueSets))]
    public void Should_deploy_each_service_once_from_its_own_image(string set)
    {
        var chart = Chart(set);
        var image = chart.Values["image"]!;
        var registry = image["registry"]!.GetValue<string>().TrimEnd('/');
        var tag = image["tag"]!.GetValue<string>() is { Length: > 0 } t ? t : AppVersion();

        var services = chart.Deployments.Select(RenderedChart.ServiceOf).ToArray();
        foreach (var service in Services.Where(s => s != "classifier"))
            Assert.That(services.Count(s => s == service), Is.EqualTo(1), service);
        // the Classifier image runs twice: the fast model on classify, the deep model on classify-deep, each scaled on its own queue
        var classifiers = chart.Deployments.Where(d => RenderedChart.ServiceOf(d) == "classifier")
            .Select(d => chart.Configuration(d).GetSection(ClassifierOptions.Section).Get<ClassifierOptions>()!.Queues).ToArray();
        Assert.That(classifiers, Is.EquivalentTo(new[] { QueueNames.Classify, QueueNames.ClassifyDeep }));
        Assert.That(services.Count(s => s == "extractor"), Is.EqualTo(ExpectedExtractors(set).Length));
        Assert.That(services.Except(Services.Append("extractor")), Is.Empty);

        foreach (var deployment in chart.Deployments)
        {
            var service = RenderedChart.ServiceOf(deployment);
            // A service may have a repository, tag or digest of its own (image.services.<service>).
            var own = image["services"]?[service];
            var expected = $"{own?["repository"]?.GetValue<string>() ?? $"{registry}/inference-{service}"}:{own?["tag"]?.GetValue<string>() ?? tag}" +
                           (own?["digest"]?.GetValue<string>() is { } digest ? $"@{digest}" : "");
            Assert.That(RenderedChart.Container(deployment).Image, Is.EqualTo(expected), deployment.Metadata.Name);
            // The image is built with --build-arg SERVICE=<folder under services/>.
            var folder = Directory.GetDirectories(Path.Combine(Root, "services"))
                .SingleOrDefault(d => string.Equals(Path.GetFileName(d), service, StringComparison.OrdinalIgnoreCase));
            Assert.That(folder, Is.Not.Null, $"no services/ folder builds inference-{service}");
            Assert.That(File.Exists(Path.Combine(folder!, $"Inference.{Path.GetFileName(folder)}.csproj")), Is.True, service);
        }
    }

    [TestCaseSource(nameof(ValueSets))]
    public void Should_deploy_one_extractor_per_extractor_the_routing_table_sends_to(string set)
    {
        var chart = Chart(set);
        // What the Orchestrator will route to, from its rendered settings bound into the real RoutingOptions.
        var routing = chart.Configuration(chart.Deployment("orchestrator")).GetSection(RoutingOptions.Section).Get<RoutingOptions>()!;
        Assert.That(new RoutingOptionsValidator().Validate(null, routing).Failed, Is.False);

        var deployed = chart.Deployments.Where(d => RenderedChart.ServiceOf(d) == "extractor")
            .Select(d => chart.Configuration(d).GetSection(ExtractorOptions.Section).Get<ExtractorOptions>()!)
            .ToArray();
        Assert.That(deployed.Select(e => e.Serve), Has.All.Count.EqualTo(1), "one extractor per Deployment");
        var served = deployed.Select(e => e.Serve[0]).ToArray();
        Assert.That(served, Is.EquivalentTo(routing.Extractors), "deployed extractors = the routing table's extractors + fallback");
        Assert.That(served, Is.EquivalentTo(ExpectedExtractors(set)));
        foreach (var extractor in deployed)
            Assert.That(new ExtractorOptionsValidator().Validate(null, extractor).Failed, Is.False, extractor.Serve[0]);
    }

    [Test]
    public void Should_route_by_default_as_the_orchestrators_own_settings_do()
    {
        var chart = Chart("default");
        var rendered = chart.Configuration(chart.Deployment("orchestrator")).GetSection(RoutingOptions.Section).Get<RoutingOptions>()!;
        var own = OrchestratorRouting();
        Assert.That(rendered.Routes, Is.EquivalentTo(own.Routes));
        Assert.That(rendered.Fallback, Is.EqualTo(own.Fallback));
        Assert.That(rendered.MinConfidence, Is.EqualTo(own.MinConfidence));
        Assert.That(rendered.DeepGate, Is.EqualTo(own.DeepGate));
    }

    [Test]
    public void Should_give_the_services_that_share_a_setting_one_value_and_their_own_tuning()
    {
        // What each pod's process sees: its image's appsettings.json, with the rendered environment over it.
        var chart = Chart("default");
        var deployed = chart.Deployments
            .Select(d => (d.Metadata.Name, Folder(RenderedChart.ServiceOf(d)), SharedSettings.Of(Folder(RenderedChart.ServiceOf(d)), chart.Configuration(d))))
            .ToArray();
        Assert.That(SharedSettings.Disagreements(deployed.Append((SharedSettings.Embedded, SharedSettings.Embedded, SharedSettings.Of(SharedSettings.Embedded)))), Is.Empty);
        // The chart's values (routing, stage deadlines) say what the services' own files and code say.
        Assert.That(SharedSettings.DriftsFromOwnFiles(deployed), Is.Empty);

        static string Folder(string service) => SharedSettings.Services.Single(s => string.Equals(s, service, StringComparison.OrdinalIgnoreCase));
    }

    [TestCaseSource(nameof(ValueSets))]
    public void Should_probe_every_container_on_its_health_endpoints(string set)
    {
        foreach (var deployment in Chart(set).Deployments)
        {
            var container = RenderedChart.Container(deployment);
            var name = deployment.Metadata.Name;
            Assert.That(container.Ports.Single(p => p.Name == "http").ContainerPort, Is.EqualTo(8080), name);
            Assert.That(container.LivenessProbe?.HttpGet?.Path, Is.EqualTo("/health/live"), name);
            Assert.That(container.ReadinessProbe?.HttpGet?.Path, Is.EqualTo("/health/ready"), name);
            foreach (var probe in new[] { container.LivenessProbe, container.ReadinessProbe, container.StartupProbe })
                Assert.That(probe?.HttpGet?.Port.Value, Is.EqualTo("http"), name);

            var annotations = deployment.Spec.Template.Metadata.Annotations;
            Assert.That(annotations["prometheus.io/scrape"], Is.EqualTo("true"), name);
            Assert.That(annotations["prometheus.io/port"], Is.EqualTo("8080"), name);
            Assert.That(annotations["prometheus.io/path"], Is.EqualTo("/metrics"), name);
            Assert.That(annotations, Does.ContainKey("checksum/config"), name);
        }
    }

    [TestCaseSource(nameof(ValueSets))]
    public void Should_limit_every_containers_resources(string set)
    {
        foreach (var deployment in Chart(set).Deployments)
        {
            var resources = RenderedChart.Container(deployment).Resources;
            var name = deployment.Metadata.Name;
            Assert.That(resources?.Limits, Does.ContainKey("memory").And.ContainKey("cpu"), name);
            Assert.That(resources!.Requests, Does.ContainKey("memory").And.ContainKey("cpu"), name);
            Assert.That(resources.Requests["memory"].ToDecimal(), Is.LessThanOrEqualTo(resources.Limits["memory"].ToDecimal()), name);
            Assert.That(resources.Requests["cpu"].ToDecimal(), Is.LessThanOrEqualTo(resources.Limits["cpu"].ToDecimal()), name);
            // The services run in ≤ 200 MB RSS: they get room for that, and the limit stops a leak well before a node suffers.
            Assert.That(resources.Limits["memory"].ToDecimal(), Is.InRange(200m * 1024 * 1024, 1024m * 1024 * 1024), name);
        }
    }

    [TestCaseSource(nameof(ValueSets))]
    public void Should_run_every_container_as_non_root_on_a_read_only_filesystem(string set)
    {
        foreach (var deployment in Chart(set).Deployments)
        {
            var pod = deployment.Spec.Template.Spec;
            var container = RenderedChart.Container(deployment);
            var name = deployment.Metadata.Name;
            Assert.That(pod.SecurityContext.RunAsNonRoot, Is.True, name);
            Assert.That(pod.SecurityContext.RunAsUser, Is.Not.Null.And.Not.Zero, name);
            Assert.That(pod.AutomountServiceAccountToken, Is.False, name);
            Assert.That(pod.ServiceAccountName, Is.EqualTo(ServiceAccountName(Chart(set))), name);
            Assert.That(container.SecurityContext.AllowPrivilegeEscalation, Is.False, name);
            Assert.That(container.SecurityContext.ReadOnlyRootFilesystem, Is.True, name);
            Assert.That(container.SecurityContext.Capabilities.Drop, Is.EquivalentTo(new[] { "ALL" }), name);
            var tmp = container.VolumeMounts.Single(m => m.MountPath == "/tmp");
            Assert.That(pod.Volumes.Single(v => v.Name == tmp.Name).EmptyDir, Is.Not.Null, name);
        }
    }

    [TestCaseSource(nameof(ValueSets))]
    public void Should_pass_only_settings_that_bind_to_options(string set)
    {
        var chart = Chart(set);
        foreach (var deployment in chart.Deployments)
        {
            var container = RenderedChart.Container(deployment);
            var name = deployment.Metadata.Name;
            var fromConfigMaps = (container.EnvFrom ?? []).SelectMany(source => chart.ConfigMap(source.ConfigMapRef.Name).Data.Keys).ToArray();
            var env = container.Env ?? [];

            // Kubernetes expands $(NAME) only from variables defined before it.
            var defined = new HashSet<string>(fromConfigMaps, StringComparer.Ordinal);
            foreach (var variable in env)
            {
                foreach (var reference in RenderedChart.References(variable.Value))
                    Assert.That(defined, Does.Contain(reference), $"{name}: {variable.Name} uses $({reference}) before it is defined");
                defined.Add(variable.Name);
            }

            var referenced = env.SelectMany(e => RenderedChart.References(e.Value)).ToHashSet(StringComparer.Ordinal);
            foreach (var key in fromConfigMaps.Concat(env.Select(e => e.Name)))
            {
                if (key.Contains("__", StringComparison.Ordinal))
                    Assert.That(ConfigurationKeys.Problem(key), Is.Null, $"{name}: {key}");
                else if (!key.StartsWith("OTEL_", StringComparison.Ordinal))
                    Assert.That(referenced, Does.Contain(key), $"{name}: {key} is neither a .NET setting nor used by a $({key}) reference");
            }
        }
    }

    [TestCaseSource(nameof(ValueSets))]
    public void Should_configure_each_service_for_the_servers_the_values_name(string set)
    {
        var chart = Chart(set);
        var values = chart.Values;
        var rabbitSecret = values["rabbitmq"]!["auth"]!["existingSecret"]!.GetValue<string>();
        var redis = values["redis"]!;
        var postgresSecret = $"secret:{values["postgresql"]!["auth"]!["existingSecret"]}/{values["postgresql"]!["auth"]!["connectionStringKey"]}";
        foreach (var deployment in chart.Deployments)
        {
            var service = RenderedChart.ServiceOf(deployment);
            var configuration = chart.Configuration(deployment);
            var transport = configuration.GetSection(TransportOptions.Section).Get<TransportOptions>()!;
            Assert.That(transport.Kind, Is.EqualTo(TransportKind.RabbitMq), service);
            Assert.That(transport.RabbitMq.Host, Is.EqualTo(values["rabbitmq"]!["host"]!.GetValue<string>()), service);
            Assert.That(transport.RabbitMq.VirtualHost, Is.EqualTo(values["rabbitmq"]!["virtualHost"]!.GetValue<string>()), service);
            Assert.That(transport.RabbitMq.Password, Does.StartWith($"secret:{rabbitSecret}/"), service);
            Assert.That(transport.RabbitMq.ManagementUri, Is.Not.Null, service);

            if (service is "orchestrator" or "gateway")
            {
                var repository = configuration.GetSection(SagaRepositoryOptions.Section).Get<SagaRepositoryOptions>()!;
                Assert.That(repository.Kind, Is.EqualTo(SagaRepositoryKind.Redis), service);
                Assert.That(repository.Redis.Configuration, Does.StartWith($"{redis["host"]}:{redis["port"]}"), service);
                if (redis["auth"]!["enabled"]!.GetValue<bool>())
                    Assert.That(repository.Redis.Configuration, Does.Contain($",password=secret:{redis["auth"]!["existingSecret"]}/"), service);
                else
                    Assert.That(repository.Redis.Configuration, Does.Not.Contain("password="), service);
                Assert.That(new SagaRepositoryOptionsValidator().Validate(null, repository).Failed, Is.False, service);
            }

            if (service is "store" or "gateway")
            {
                var store = configuration.GetSection(StoreOptions.Section).Get<StoreOptions>()!;
                Assert.That(store.Provider, Is.EqualTo(StoreProvider.Postgres), service);
                Assert.That(store.ConnectionString, Is.EqualTo(postgresSecret), service);
                if (service == "gateway")
                    Assert.That(store.MigrateOnStart, Is.False, "only the Store migrates");
            }

            if (service == "orchestrator")
            {
                var deadlines = configuration.GetSection(StageDeadlineOptions.Section).Get<StageDeadlineOptions>()!;
                Assert.That(new StageDeadlineOptionsValidator().Validate(null, deadlines).Succeeded, Is.True, "valid stage deadlines");
            }
        }
    }

    [TestCaseSource(nameof(ValueSets))]
    public void Should_scale_each_consumer_on_its_own_queue(string set)
    {
        var chart = Chart(set);
        var consumers = chart.Deployments.Where(d => RenderedChart.ServiceOf(d) != "gateway").ToArray();
        if (!chart.Values["keda"]!["enabled"]!.GetValue<bool>())
        {
            Assert.That(chart.ScaledObjects, Is.Empty);
            Assert.That(chart.Of<KedaTriggerAuthentication>(), Is.Empty);
            Assert.That(consumers.Select(d => d.Spec.Replicas), Has.All.GreaterThanOrEqualTo(1), "without KEDA, replicas come from the values");
            return;
        }

        Assert.That(chart.ScaledObjects.Select(s => s.Spec.ScaleTargetRef.Name), Is.EquivalentTo(consumers.Select(d => d.Metadata.Name)),
            "one ScaledObject per consumer Deployment, none for the Gateway");
        var rabbitSecret = RenderedChart.Container(consumers[0]).Env.Single(e => e.Name == "Transport__RabbitMq__Password").ValueFrom.SecretKeyRef;
        foreach (var deployment in consumers)
        {
            var name = deployment.Metadata.Name;
            Assert.That(deployment.Spec.Replicas, Is.Null, $"{name}: KEDA owns the replica count");
            var scaled = chart.ScaledObjects.Single(s => s.Spec.ScaleTargetRef.Name == name);
            Assert.That(scaled.Spec.MinReplicaCount, Is.LessThanOrEqualTo(scaled.Spec.MaxReplicaCount!.Value), name);
            Assert.That(scaled.Spec.MaxReplicaCount, Is.GreaterThanOrEqualTo(1), name);
            var trigger = scaled.Spec.Triggers.Single();
            Assert.That(trigger.Type, Is.EqualTo("rabbitmq"), name);
            Assert.That(trigger.Metadata.Keys, Is.SubsetOf(KedaModels.RabbitMqParameters), name);
            Assert.That(trigger.Metadata["queueName"], Is.EqualTo(QueueOf(chart, deployment)), name);
            Assert.That(trigger.Metadata["mode"], Is.EqualTo("QueueLength"), name);
            Assert.That(int.Parse(trigger.Metadata["value"]), Is.Positive, name);
            Assert.That(trigger.Metadata["host"], Does.Not.Contain("@"), $"{name}: credentials come from the TriggerAuthentication");
            Assert.That(trigger.Metadata["vhostName"], Is.EqualTo(chart.Values["rabbitmq"]!["virtualHost"]!.GetValue<string>()), name);

            var auth = chart.Of<KedaTriggerAuthentication>().Single(a => a.Metadata.Name == trigger.AuthenticationRef!.Name);
            var refs = auth.Spec.SecretTargetRef!;
            Assert.That(refs.Select(r => r.Parameter), Is.EquivalentTo(new[] { "username", "password" }), name);
            Assert.That(refs.Single(r => r.Parameter == "password").Name, Is.EqualTo(rabbitSecret.Name), "KEDA reads the services' own RabbitMQ Secret");
            Assert.That(refs.Single(r => r.Parameter == "password").Key, Is.EqualTo(rabbitSecret.Key));
        }
    }

    /// <summary>The queue a consumer listens on, from the code's own names, so the chart cannot drift from them.</summary>
    static string QueueOf(RenderedChart chart, V1Deployment deployment) => RenderedChart.ServiceOf(deployment) switch
    {
        "orchestrator" => QueueNames.ProductState,
        "classifier" => chart.Configuration(deployment).GetSection(ClassifierOptions.Section).Get<ClassifierOptions>()!.QueueList.Single(),
        "extractor" => QueueNames.Extract(chart.Configuration(deployment).GetSection(ExtractorOptions.Section).Get<ExtractorOptions>()!.Serve.Single()),
        "validator" => QueueNames.Validate,
        "store" => QueueNames.Store,
        var other => throw new AssertionException($"{other} consumes no queue"),
    };

    [TestCaseSource(nameof(ValueSets))]
    public void Should_take_every_credential_from_an_existing_secret(string set)
    {
        var chart = Chart(set);
        Assert.That(chart.Of<V1Secret>(), Is.Empty, "the chart makes no Secret: it names existing ones");
        var credential = new Regex("password|apikeys|connectionstring", RegexOptions.IgnoreCase);
        foreach (var deployment in chart.Deployments)
        foreach (var variable in RenderedChart.Container(deployment).Env ?? [])
        {
            if (!credential.IsMatch(variable.Name)) continue;
            Assert.That(variable.Value, Is.Null, $"{deployment.Metadata.Name}: {variable.Name} has a literal value");
            Assert.That(variable.ValueFrom?.SecretKeyRef?.Name, Is.Not.Empty, $"{deployment.Metadata.Name}: {variable.Name}");
        }

        foreach (var configMap in chart.Of<V1ConfigMap>())
            Assert.That(configMap.Data.Keys.Concat(configMap.Data.Values), Has.None.Match(credential), configMap.Metadata.Name);

        // Never a default key: the Gateway has keys only from the Secret the values name, and the development key is nowhere.
        var apiKeys = chart.Values["gateway"]!["apiKeys"]!;
        var keys = RenderedChart.Container(chart.Deployment("gateway")).Env.Where(e => e.Name.StartsWith("Gateway__ApiKeys__", StringComparison.Ordinal)).ToArray();
        Assert.That(keys.Select(k => k.ValueFrom.SecretKeyRef.Key), Is.EqualTo(apiKeys["keys"]!.AsArray().Select(k => k!.GetValue<string>())));
        Assert.That(keys.Select(k => k.ValueFrom.SecretKeyRef.Name), Has.All.EqualTo(apiKeys["existingSecret"]!.GetValue<string>()));
        var development = new ConfigurationBuilder().AddJsonFile(Path.Combine(Root, "services", "Gateway", "appsettings.Development.json")).Build()
            .GetSection("Gateway:ApiKeys").Get<string[]>() ?? [];
        Assert.That(development, Is.Not.Empty);
        foreach (var key in development)
            Assert.That(chart.Yaml, Does.Not.Contain(key));
    }

    [Test]
    public void Should_enable_no_api_key_by_default()
    {
        var gateway = RenderedChart.Container(Chart("default").Deployment("gateway"));
        Assert.That(gateway.Env.Select(e => e.Name), Has.None.StartsWith("Gateway__ApiKeys"));
        var notes = ChartRenderer.Run([], "-notes");
        Assert.That(notes.Stdout, Does.Contain("WARNING: no API key is configured"));
    }

    [TestCaseSource(nameof(ValueSets))]
    public void Should_budget_disruptions_of_services_that_can_run_more_than_one_replica(string set)
    {
        var chart = Chart(set);
        var budgets = chart.Of<V1PodDisruptionBudget>().ToArray();
        foreach (var deployment in chart.Deployments)
        {
            var labels = deployment.Spec.Template.Metadata.Labels;
            var covering = budgets.Where(b => RenderedChart.Selects(b.Spec.Selector.MatchLabels, labels)).ToArray();
            var workload = labels["app.kubernetes.io/component"];
            var expected = MaxReplicas(chart, deployment) > 1 && !WithoutBudget(set).Contains(workload);
            Assert.That(covering, Has.Length.EqualTo(expected ? 1 : 0), workload);
            foreach (var budget in covering)
                Assert.That(budget.Spec.MinAvailable, Is.Null, $"{workload}: maxUnavailable never blocks draining a single replica");
        }

        Assert.That(budgets.Select(b => chart.Deployments.Count(d => RenderedChart.Selects(b.Spec.Selector.MatchLabels, d.Spec.Template.Metadata.Labels))),
            Has.All.EqualTo(1), "each budget covers one Deployment");
    }

    static int MaxReplicas(RenderedChart chart, V1Deployment deployment)
    {
        var name = deployment.Metadata.Name;
        if (chart.ScaledObjects.SingleOrDefault(s => s.Spec.ScaleTargetRef.Name == name) is { } scaled) return scaled.Spec.MaxReplicaCount!.Value;
        if (chart.Of<V2HorizontalPodAutoscaler>().SingleOrDefault(h => h.Spec.ScaleTargetRef.Name == name) is { } hpa) return hpa.Spec.MaxReplicas;
        return deployment.Spec.Replicas!.Value;
    }

    [TestCaseSource(nameof(ValueSets))]
    public void Should_label_select_and_spread_as_kubernetes_recommends(string set)
    {
        var chart = Chart(set);
        string[] recommended = ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version", "app.kubernetes.io/managed-by", "app.kubernetes.io/part-of", "helm.sh/chart"];
        foreach (var o in chart.Objects)
            Assert.That(RenderedChart.Metadata(o).Labels.Keys, Is.SupersetOf(recommended), RenderedChart.Metadata(o).Name);

        var selectors = chart.Deployments.Select(d => string.Join(",", d.Spec.Selector.MatchLabels.OrderBy(l => l.Key))).ToArray();
        Assert.That(selectors, Is.Unique);
        foreach (var deployment in chart.Deployments)
        {
            var labels = deployment.Spec.Template.Metadata.Labels;
            var name = deployment.Metadata.Name;
            Assert.That(RenderedChart.Selects(deployment.Spec.Selector.MatchLabels, labels), Is.True, name);
            Assert.That(labels, Does.ContainKey("app.kubernetes.io/component"), name);

            var service = chart.Of<V1Service>().Single(s => s.Metadata.Name == name);
            Assert.That(service.Spec.Selector, Is.EquivalentTo(deployment.Spec.Selector.MatchLabels), name);
            Assert.That(service.Spec.Ports.Single().TargetPort.Value, Is.EqualTo("http"), name);

            if (set != "overrides")
            {
                var spread = deployment.Spec.Template.Spec.TopologySpreadConstraints;
                Assert.That(spread.Select(c => c.TopologyKey), Is.EquivalentTo(new[] { "kubernetes.io/hostname", "topology.kubernetes.io/zone" }), name);
                Assert.That(spread, Has.All.Matches<V1TopologySpreadConstraint>(c => c.WhenUnsatisfiable == "ScheduleAnyway" && RenderedChart.Selects(c.LabelSelector.MatchLabels, labels)), name);
            }
        }

        Assert.That(chart.Of<V1Service>().Count(), Is.EqualTo(chart.Deployments.Count()));
    }

    [Test]
    public void Should_scale_the_gateway_on_cpu_and_expose_it_when_asked()
    {
        var chart = Chart("overrides");
        var gateway = chart.Deployment("gateway");
        var hpa = chart.Of<V2HorizontalPodAutoscaler>().Single();
        Assert.That(hpa.Spec.ScaleTargetRef.Name, Is.EqualTo(gateway.Metadata.Name));
        Assert.That(hpa.Spec.Metrics.Single().Resource.Name, Is.EqualTo("cpu"));
        Assert.That(gateway.Spec.Replicas, Is.Null, "the HPA owns the replica count");

        var ingress = chart.Of<V1Ingress>().Single();
        var backend = ingress.Spec.Rules.Single().Http.Paths.Single().Backend.Service;
        Assert.That(backend.Name, Is.EqualTo(chart.Of<V1Service>().Single(s => s.Metadata.Name == gateway.Metadata.Name).Metadata.Name));
        Assert.That(backend.Port.Name, Is.EqualTo("http"));
        Assert.That(ingress.Spec.Tls.Single().SecretName, Is.EqualTo("inference-shop-tls"));

        var defaults = Chart("default");
        Assert.That(defaults.Of<V2HorizontalPodAutoscaler>(), Is.Empty);
        Assert.That(defaults.Of<V1Ingress>(), Is.Empty);
        Assert.That(defaults.Deployment("gateway").Spec.Replicas, Is.EqualTo(2));
    }

    [TestCaseSource(nameof(ValueSets))]
    public async Task Should_accept_the_values_it_ships_with(string set)
    {
        var errors = (await Schema()).Validate(Chart(set).Values.ToJsonString());
        Assert.That(errors.Select(e => e.ToString()), Is.Empty);
    }

    static IEnumerable<TestCaseData> BadValues()
    {
        yield return new TestCaseData("classifier:\n  replicas: -1\n", "classifier.replicas").SetName("Should_refuse_negative_replicas");
        yield return new TestCaseData("defaults:\n  keda:\n    maxReplicas: 0\n", "defaults.keda.maxReplicas").SetName("Should_refuse_a_zero_maximum");
        yield return new TestCaseData("store:\n  replica: 2\n", "store").SetName("Should_refuse_a_misspelt_key");
        yield return new TestCaseData("gateway:\n  autoscaling:\n    enabled: \"yes\"\n", "gateway.autoscaling.enabled").SetName("Should_refuse_a_string_for_a_boolean");
        yield return new TestCaseData("rabbitmq:\n  port: 70000\n", "rabbitmq.port").SetName("Should_refuse_a_port_out_of_range");
        yield return new TestCaseData("routing:\n  routes:\n    toys: Toys & Games\n", "routing.routes.toys").SetName("Should_refuse_an_extractor_name_that_is_no_queue_name");
        yield return new TestCaseData("image:\n  registry: \"\"\n", "image.registry").SetName("Should_refuse_an_empty_registry");
        yield return new TestCaseData("image:\n  services:\n    classifier:\n      digest: latest\n", "image.services.classifier.digest").SetName("Should_refuse_a_digest_that_is_none");
        yield return new TestCaseData("image:\n  services:\n    classifer:\n      tag: \"1\"\n", "image.services").SetName("Should_refuse_an_image_for_no_service");
        yield return new TestCaseData("metrics:\n  podMonitor:\n    enabled: true\n    interval: often\n", "metrics.podMonitor.interval").SetName("Should_refuse_a_scrape_interval_that_is_no_duration");
    }

    /// <summary>Helm checks the values against values.schema.json before rendering; so do the renderer and NJsonSchema.</summary>
    [TestCaseSource(nameof(BadValues))]
    public async Task Should_refuse_a_bad_value_at_install_time(string yaml, string path)
    {
        var file = Path.Combine(Path.GetTempPath(), $"inference-values-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, yaml);
        try
        {
            var render = ChartRenderer.Run([file]);
            Assert.That(render.ExitCode, Is.Not.Zero);
            Assert.That(render.Stderr, Does.Contain("values don't meet the specifications of the schema").And.Contain(path));

            var merged = ChartRenderer.Run([file], "-show-values", "-skip-schema-validation");
            Assert.That(merged.ExitCode, Is.Zero, merged.Stderr);
            var errors = Flatten((await Schema()).Validate(merged.Stdout)).ToArray();
            Assert.That(errors, Is.Not.Empty, "NJsonSchema accepted it");
            Assert.That(errors.Select(e => e.Path), Has.Some.Contains(path));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [TestCase("extractors:\n  byName:\n    toys:\n      keda:\n        maxReplicas: 2\n", "extractors.byName.toys: no route or fallback sends to extractor")]
    [TestCase("classifier:\n  keda:\n    minReplicas: 5\n    maxReplicas: 2\n", "classifier: keda.maxReplicas (2) is below keda.minReplicas (5)")]
    [TestCase("gateway:\n  apiKeys:\n    existingSecret: gateway-keys\n", "gateway.apiKeys.keys names none of its keys")]
    [TestCase("gateway:\n  apiKeys:\n    keys: [primary]\n", "gateway.apiKeys.existingSecret is empty")]
    public async Task Should_refuse_values_that_contradict_each_other(string yaml, string message)
    {
        var file = Path.Combine(Path.GetTempPath(), $"inference-values-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, yaml);
        try
        {
            var render = ChartRenderer.Run([file]);
            Assert.That(render.ExitCode, Is.Not.Zero);
            Assert.That(render.Stderr, Does.Contain(message));
        }
        finally
        {
            File.Delete(file);
        }
    }

    static string ServiceAccountName(RenderedChart chart) =>
        chart.Values["serviceAccount"]!["name"]!.GetValue<string>() is { Length: > 0 } name ? name
        : chart.Values["serviceAccount"]!["create"]!.GetValue<bool>() ? "inference" : "default";

    [TestCaseSource(nameof(ValueSets))]
    public void Should_run_the_pods_as_the_chart_s_own_service_account(string set)
    {
        var chart = Chart(set);
        var account = chart.Of<V1ServiceAccount>().Single();
        Assert.That(account.Metadata.Name, Is.EqualTo(ServiceAccountName(chart)));
        Assert.That(account.AutomountServiceAccountToken, Is.False, "no service calls the Kubernetes API");
        Assert.That(chart.Of<V1Role>().Concat<object>(chart.Of<V1RoleBinding>()).Concat(chart.Of<V1ClusterRoleBinding>()), Is.Empty, "and it is granted nothing");
    }

    [TestCaseSource(nameof(ValueSets))]
    public void Should_fall_back_and_scale_down_slowly_when_keda_scales(string set)
    {
        var chart = Chart(set);
        var keda = chart.Values["keda"]!;
        if (!keda["enabled"]!.GetValue<bool>()) Assert.Ignore("KEDA is off in this value set");
        foreach (var scaled in chart.ScaledObjects)
        {
            var name = scaled.Metadata.Name;
            var fallback = scaled.Spec.Fallback!;
            Assert.That(Convert.ToInt32(fallback["failureThreshold"]), Is.EqualTo(keda["fallback"]!["failureThreshold"]!.GetValue<int>()), name);
            Assert.That(Convert.ToInt32(fallback["replicas"]), Is.InRange(scaled.Spec.MinReplicaCount!.Value, scaled.Spec.MaxReplicaCount!.Value), name);
            // KEDA's fallback needs the AverageValue metric type, which the rabbitmq scaler uses unless told otherwise.
            Assert.That(scaled.Spec.Triggers.Single().MetricType, Is.Null.Or.EqualTo("AverageValue"), name);

            var behavior = System.Text.Json.JsonSerializer.SerializeToNode(scaled.Spec.Advanced)!["horizontalPodAutoscalerConfig"]!["behavior"]!.ToJsonString();
            var scaleDown = k8s.KubernetesJson.Deserialize<V2HPAScalingRules>(JsonNode.Parse(behavior)!["scaleDown"]!.ToJsonString());
            Assert.That(scaleDown.StabilizationWindowSeconds, Is.EqualTo(keda["scaleDown"]!["stabilizationWindowSeconds"]!.GetValue<int>()), name);
            var policy = scaleDown.Policies.Single();
            Assert.That((policy.Type, policy.Value, policy.PeriodSeconds), Is.EqualTo(("Percent", keda["scaleDown"]!["percentPerMinute"]!.GetValue<int>(), 60)), name);
        }
    }

    [TestCaseSource(nameof(ValueSets))]
    public void Should_test_every_service_with_helm_test(string set)
    {
        var chart = Chart(set);
        var test = chart.Of<V1Pod>().Single(p => p.Metadata.Annotations["helm.sh/hook"] == "test");
        Assert.That(test.Spec.RestartPolicy, Is.EqualTo("Never"));
        Assert.That(test.Spec.SecurityContext.RunAsNonRoot, Is.True);
        var script = string.Join("\n", test.Spec.Containers.Single().Command);
        foreach (var service in chart.Of<V1Service>())
            Assert.That(script, Does.Contain($"http://{service.Metadata.Name}:{service.Spec.Ports.Single().Port}/health/ready"), service.Metadata.Name);
    }

    [TestCaseSource(nameof(ValueSets))]
    public void Should_render_the_monitoring_objects_only_when_asked(string set)
    {
        var chart = Chart(set);
        var metrics = chart.Values["metrics"]!;
        var dashboards = chart.Of<V1ConfigMap>().Where(c => c.Metadata.Labels.ContainsKey(metrics["grafanaDashboard"]!["label"]!.GetValue<string>())).ToArray();
        Assert.That(chart.Of<PodMonitor>().Count(), Is.EqualTo(metrics["podMonitor"]!["enabled"]!.GetValue<bool>() ? 1 : 0));
        Assert.That(chart.Of<PrometheusRule>().Count(), Is.EqualTo(metrics["prometheusRule"]!["enabled"]!.GetValue<bool>() ? 1 : 0));
        Assert.That(dashboards, Has.Length.EqualTo(metrics["grafanaDashboard"]!["enabled"]!.GetValue<bool>() ? 1 : 0));
        Assert.That(chart.Of<V1NetworkPolicy>().Count(), Is.EqualTo(chart.Values["networkPolicy"]!["enabled"]!.GetValue<bool>() ? 2 : 0));
    }

    [Test]
    public void Should_scrape_every_pod_with_the_pod_monitor()
    {
        var chart = Chart("monitoring");
        var monitor = chart.Of<PodMonitor>().Single();
        Assert.That(monitor.Metadata.Labels["release"], Is.EqualTo("kube-prometheus-stack"));
        var endpoint = monitor.Spec.PodMetricsEndpoints.Single();
        Assert.That((endpoint.Port, endpoint.Path, endpoint.Interval), Is.EqualTo(("http", "/metrics", "15s")));
        foreach (var deployment in chart.Deployments)
        {
            Assert.That(RenderedChart.Selects(monitor.Spec.Selector.MatchLabels, deployment.Spec.Template.Metadata.Labels), Is.True, deployment.Metadata.Name);
            Assert.That(RenderedChart.Container(deployment).Ports.Select(p => p.Name), Does.Contain(endpoint.Port), deployment.Metadata.Name);
        }
    }

    [Test]
    public void Should_carry_the_alerts_promtool_tests_in_the_prometheus_rule()
    {
        var rule = Chart("monitoring").Of<PrometheusRule>().Single();
        var file = new YamlDotNet.Serialization.DeserializerBuilder()
            .WithNamingConvention(YamlDotNet.Serialization.NamingConventions.CamelCaseNamingConvention.Instance).Build()
            .Deserialize<PrometheusRuleSpec>(File.ReadAllText(Path.Combine(ChartDir, "files", "alerts.yaml")));
        Assert.That(rule.Spec.Groups.SelectMany(g => g.Rules).Select(r => (r.Record, r.Alert, r.Expr.Trim(), r.For)),
            Is.EqualTo(file.Groups.SelectMany(g => g.Rules).Select(r => (r.Record, r.Alert, r.Expr.Trim(), r.For))));
        Assert.That(rule.Spec.Groups.SelectMany(g => g.Rules).Select(r => r.Alert).OfType<string>(), Is.EquivalentTo(PrometheusRuleTests.Alerts));
    }

    [Test]
    public void Should_ship_the_grafana_dashboard_for_the_sidecar()
    {
        var chart = Chart("monitoring");
        var map = chart.Of<V1ConfigMap>().Single(c => c.Metadata.Labels.ContainsKey("grafana_dashboard"));
        Assert.That(map.Metadata.Labels["grafana_dashboard"], Is.EqualTo("1"));
        Assert.That(map.Metadata.Annotations["grafana_folder"], Is.EqualTo("Inference"));
        var dashboard = JsonNode.Parse(map.Data.Single().Value)!;
        Assert.That(dashboard.ToJsonString(), Is.EqualTo(JsonNode.Parse(File.ReadAllText(Path.Combine(ChartDir, "files", "dashboard.json")))!.ToJsonString()));
        var queries = GrafanaDashboard.Queries(dashboard);
        Assert.That(queries, Has.Count.GreaterThanOrEqualTo(10));
        Assert.That(queries.Select(q => q.Expr), Has.All.Not.Empty);
    }

    [Test]
    public void Should_let_in_only_the_monitoring_the_ingress_and_the_release_s_test()
    {
        var chart = Chart("monitoring");
        var policies = chart.Of<V1NetworkPolicy>().ToArray();
        var all = policies.Single(p => !p.Spec.PodSelector.MatchLabels.ContainsKey("app.kubernetes.io/component"));
        var gateway = policies.Single(p => p.Spec.PodSelector.MatchLabels.ContainsKey("app.kubernetes.io/component"));
        foreach (var deployment in chart.Deployments)
            Assert.That(RenderedChart.Selects(all.Spec.PodSelector.MatchLabels, deployment.Spec.Template.Metadata.Labels), Is.True, deployment.Metadata.Name);
        Assert.That(RenderedChart.Selects(gateway.Spec.PodSelector.MatchLabels, chart.Deployment("gateway").Spec.Template.Metadata.Labels), Is.True);
        Assert.That(all.Spec.PolicyTypes, Is.EqualTo(new[] { "Ingress" }));

        var from = all.Spec.Ingress.Single().FromProperty;
        Assert.That(from.Select(f => f.NamespaceSelector?.MatchLabels?["kubernetes.io/metadata.name"]).OfType<string>(), Is.EqualTo(new[] { "monitoring" }));
        var test = chart.Of<V1Pod>().Single();
        Assert.That(from.Any(f => RenderedChart.Selects(f.PodSelector?.MatchLabels, test.Metadata.Labels)), Is.True, "the helm test pod gets in");
        Assert.That(gateway.Spec.Ingress.Single().FromProperty.Single().NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"], Is.EqualTo("ingress-nginx"));
        Assert.That(all.Spec.Ingress.Single().Ports.Single().Port.Value, Is.EqualTo("http"));
    }

    static JsonSchema? _schema;

    static async Task<JsonSchema> Schema() => _schema ??= await JsonSchema.FromJsonAsync(await File.ReadAllTextAsync(Path.Combine(ChartDir, "values.schema.json")));

    static IEnumerable<NJsonSchema.Validation.ValidationError> Flatten(IEnumerable<NJsonSchema.Validation.ValidationError> errors) =>
        errors.SelectMany(e => e is NJsonSchema.Validation.ChildSchemaValidationError child
            ? child.Errors.Values.SelectMany(Flatten).Prepend(e)
            : [e]);

    static string AppVersion() =>
        File.ReadLines(Path.Combine(ChartDir, "Chart.yaml"))
            .Select(line => Regex.Match(line, "^appVersion:\\s*\"?([^\"]+)\"?\\s*$"))
            .First(m => m.Success).Groups[1].Value;
}
