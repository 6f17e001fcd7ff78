using Inference.Data;
using Inference.Hosting;
using Inference.Sagas.Redis;
using Microsoft.Extensions.Configuration;

namespace Inference.Tests.Deployment;

/// <summary>
/// One default per setting: the services' own appsettings.json and <c>inference run</c>'s embedded.json agree wherever two of
/// them read the same section, and a service started with nothing but its own file finds the servers the others use.
/// (docker-compose.yml and the chart are checked the same way by <see cref="ComposeFileTests"/> and <see cref="HelmChartTests"/>.)
/// </summary>
public sealed class SharedSettingsTests
{
    static IEnumerable<(string Name, string Reader, IConfiguration Settings)> OwnFiles() =>
        SharedSettings.Services.Append(SharedSettings.Embedded).Select(reader => (reader, reader, SharedSettings.Of(reader)));

    [Test]
    public void Should_bind_the_same_options_in_every_process_that_reads_a_section()
    {
        Assert.That(SharedSettings.Disagreements(OwnFiles()), Is.Empty);
    }

    [Test]
    public void Should_name_a_section_two_processes_disagree_on()
    {
        // As the Gateway once was: its saga store in its own memory, where no product the Orchestrator saves can be found.
        var gateway = new ConfigurationBuilder()
            .AddConfiguration(SharedSettings.Of("Gateway"))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["SagaRepository:Kind"] = "InMemory" })
            .Build();
        var processes = OwnFiles().Select(p => p.Reader == "Gateway" ? (p.Name, p.Reader, gateway) : p);
        Assert.That(SharedSettings.Disagreements(processes),
            Has.One.StartsWith("SagaRepository: Gateway binds").And.Contains("\"Kind\":\"InMemory\"").And.Contains("Orchestrator binds"));
    }

    [Test]
    public void Should_name_a_tuning_a_deployment_changes_by_default()
    {
        var deployed = SharedSettings.FromEnvironment([("StageTimeout__ResendAfter", "00:15:00"), ("Transport__RabbitMq__Host", "rabbitmq")]);
        var drifts = SharedSettings.DriftsFromOwnFiles([("orchestrator", "Orchestrator", SharedSettings.Of("Orchestrator", deployed))]);
        // Where the servers are is the deployment's to say; how the pipeline behaves is the services' own.
        Assert.That(drifts, Has.One.StartsWith("StageTimeout: orchestrator binds").And.Contains("00:15:00"));
        Assert.That(drifts, Has.Count.EqualTo(1));
    }

    [TestCaseSource(typeof(SharedSettings), nameof(SharedSettings.Services))]
    public void Should_default_to_the_servers_every_other_service_uses(string service)
    {
        var settings = SharedSettings.Of(service);
        Assert.That(settings.GetSection(TransportOptions.Section).Get<TransportOptions>()?.Kind, Is.EqualTo(TransportKind.RabbitMq));
        if (service is "Orchestrator" or "Gateway")
            Assert.That(settings.GetSection(SagaRepositoryOptions.Section).Get<SagaRepositoryOptions>()?.Kind, Is.EqualTo(SagaRepositoryKind.Redis));
        if (service is "Store" or "Gateway")
            Assert.That(settings.GetSection(StoreOptions.Section).Get<StoreOptions>()?.Provider, Is.EqualTo(StoreProvider.Postgres));
    }

    [Test]
    public void Should_run_inference_run_on_the_queue_tuning_of_the_services()
    {
        // The tuning is QueueOptions' own: no settings file carries a second copy that could drift from it.
        foreach (var reader in SharedSettings.Services.Append(SharedSettings.Embedded))
            Assert.That(SharedSettings.Of(reader).GetSection(QueueOptions.Section).Exists(), Is.False, SharedSettings.FileOf(reader));
    }
}
