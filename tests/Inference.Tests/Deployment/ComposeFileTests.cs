using Inference.Sagas;
using Inference.Loopback;
using Microsoft.Extensions.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Inference.Tests.Deployment;

/// <summary>
/// No Docker engine runs here, so docker-compose.yml is checked by what can run: it parses, every .NET service builds from a
/// real project, every setting it passes binds to a real option, and the extractors it deploys are the ones routing sends to.
/// </summary>
public sealed class ComposeFileTests
{
    static readonly string Root = SolutionLayout.FindRoot(TestContext.CurrentContext.TestDirectory);
    static readonly string[] Servers = ["rabbitmq", "redis", "postgres"];
    YamlMappingNode _services = null!;

    [OneTimeSetUp]
    public void Parse()
    {
        using var reader = new StreamReader(Path.Combine(Root, "docker-compose.yml"));
        var stream = new YamlStream();
        stream.Load(new MergingParser(new Parser(reader)));
        _services = (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["services"];
    }

    IEnumerable<(string Name, YamlMappingNode Service)> DotnetServices() =>
        _services.Children
            .Select(c => (((YamlScalarNode)c.Key).Value!, (YamlMappingNode)c.Value))
            .Where(s => s.Item2.Children.ContainsKey("build"));

    static string ServiceFolder(YamlMappingNode service) =>
        ((YamlScalarNode)((YamlMappingNode)((YamlMappingNode)service["build"])["args"])["SERVICE"]).Value!;

    static IEnumerable<(string Key, string Value)> Environment(YamlMappingNode service) =>
        ((YamlMappingNode)service["environment"]).Children.Select(c => (((YamlScalarNode)c.Key).Value!, ((YamlScalarNode)c.Value).Value ?? ""));

    [Test]
    public void Should_have_the_servers_with_health_checks()
    {
        foreach (var server in Servers)
            Assert.That(((YamlMappingNode)_services[server]).Children.ContainsKey("healthcheck"), Is.True, server);
        Assert.That(((YamlSequenceNode)((YamlMappingNode)_services["redis"])["command"]).Children.Select(c => c.ToString()), Does.Contain("--appendonly"));
        Assert.That(((YamlScalarNode)((YamlMappingNode)_services["rabbitmq"])["image"]).Value, Does.Contain("management"));
    }

    [Test]
    public void Should_build_every_dotnet_service_from_a_project_and_check_its_health()
    {
        var services = DotnetServices().ToArray();
        Assert.That(services.Select(s => ServiceFolder(s.Service)).Distinct(),
            Is.EquivalentTo(new[] { "Orchestrator", "Classifier", "Extractor", "Validator", "Store", "Gateway" }));
        foreach (var (name, service) in services)
        {
            var folder = ServiceFolder(service);
            Assert.That(File.Exists(Path.Combine(Root, "services", folder, $"Inference.{folder}.csproj")), Is.True, name);
            Assert.That(service["healthcheck"].ToString(), Does.Contain("/health/ready"), name);
            var dependsOn = (YamlMappingNode)service["depends_on"];
            Assert.That(dependsOn.Children.Keys.Select(k => k.ToString()), Is.SupersetOf(Servers), name);
        }
    }

    [Test]
    public void Should_run_the_fast_and_the_deep_classifier_each_on_its_own_queue()
    {
        var queues = DotnetServices().Where(s => ServiceFolder(s.Service) == "Classifier")
            .Select(s => Environment(s.Service).SingleOrDefault(e => e.Key == "Classifier__Queues").Value).ToArray();
        Assert.That(queues, Is.EquivalentTo(new[] { Inference.Contracts.QueueNames.Classify, Inference.Contracts.QueueNames.ClassifyDeep }));
    }

    [Test]
    public void Should_pass_only_settings_that_bind_to_options()
    {
        foreach (var (name, service) in DotnetServices())
        foreach (var (key, _) in Environment(service).Where(e => !e.Key.StartsWith("OTEL_", StringComparison.Ordinal)))
            Assert.That(ConfigurationKeys.Problem(key), Is.Null, $"{name}: {key}");
    }

    [Test]
    public void Should_give_the_services_that_share_a_setting_one_value_and_their_own_tuning()
    {
        var deployed = DotnetServices()
            .Select(s => (s.Name, ServiceFolder(s.Service), SharedSettings.Of(ServiceFolder(s.Service), SharedSettings.FromEnvironment(Environment(s.Service)))))
            .ToArray();
        Assert.That(SharedSettings.Disagreements(deployed.Append((SharedSettings.Embedded, SharedSettings.Embedded, SharedSettings.Of(SharedSettings.Embedded)))), Is.Empty);
        Assert.That(SharedSettings.DriftsFromOwnFiles(deployed), Is.Empty);
    }

    [Test]
    public void Should_use_the_rabbitmq_transport_everywhere()
    {
        foreach (var (name, service) in DotnetServices())
            Assert.That(Environment(service), Does.Contain(("Transport__Kind", "RabbitMq")), name);
    }

    [Test]
    public void Should_deploy_one_extractor_per_routed_extractor()
    {
        var routing = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Root, "services", "Orchestrator", "appsettings.json"))
            .Build().GetSection(RoutingOptions.Section).Get<RoutingOptions>()!;
        var deployed = DotnetServices()
            .Where(s => ServiceFolder(s.Service) == "Extractor")
            .SelectMany(s => Environment(s.Service).Where(e => e.Key.StartsWith("Extractor__Serve__", StringComparison.Ordinal)).Select(e => e.Value))
            .ToArray();
        Assert.That(deployed, Is.EquivalentTo(routing.Extractors));
    }
}
