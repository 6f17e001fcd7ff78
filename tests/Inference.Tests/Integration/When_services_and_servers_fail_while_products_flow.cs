using Inference.Loopback.Chaos;

namespace Inference.Tests.Integration;

/// <summary>
/// The CI form of <c>inference chaos</c>: every service its own process on the loopback servers, 2,000 products sent while
/// each kind of service is killed with SIGKILL once and Redis, PostgreSQL and RabbitMQ are each restarted once; then every
/// product is checked against its saga and the store. Nothing may be lost, duplicated or stranded.
/// </summary>
[Category("Integration")]
[NonParallelizable]
public sealed class When_services_and_servers_fail_while_products_flow
{
    const int Products = 2_000;
    static readonly string[] Kinds = ["orchestrator", "classifier", "classifier-deep", "extractor", "validator", "store", "redis", "postgres", "rabbitmq"];
    ChaosReport _report = null!;
    string _logs = null!;

    [OneTimeSetUp]
    public async Task RunAsync()
    {
        var testDirectory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        var layout = new SolutionLayout(SolutionLayout.FindRoot(testDirectory.FullName), testDirectory.Parent!.Parent!.Name);
        _logs = Directory.CreateTempSubdirectory("inference-chaos-").FullName;
        var settings = new ChaosSettings(
            Path.Combine(layout.Root, "models", "eval", "folds89.jsonl"), Products, Rate: 40, OrchestratorKills: 1, Models: "Onnx",
            Patience: TimeSpan.FromMinutes(8), LogDirectory: _logs);
        _report = await new ChaosRun(layout, settings, line => TestContext.Progress.WriteLine($"chaos: {line}")).RunAsync("NUnit", CancellationToken.None);
        TestContext.Progress.WriteLine($"chaos: {_report.Summary}");
    }

    [OneTimeTearDown]
    public void AttachLogs()
    {
        if (_report?.Passed == true) return;
        foreach (var log in Directory.EnumerateFiles(_logs)) TestContext.AddTestAttachment(log);
    }

    [Test]
    public void Should_inject_every_kind_of_fault_once() =>
        Assert.That(Kinds.Select(kind => _report.Faults.Count(f => f.Kind == kind)), Is.All.EqualTo(1), string.Join(", ", _report.Faults.Select(f => f.What)));

    [Test]
    public void Should_send_every_product() => Assert.That(_report.Sent, Is.EqualTo(Products));

    [Test]
    public void Should_lose_no_product() => Assert.That(_report.Lost, Is.Zero, Examples());

    [Test]
    public void Should_store_no_product_twice() => Assert.That(_report.Duplicated, Is.Zero, Examples());

    [Test]
    public void Should_leave_no_product_in_flight() => Assert.That(_report.Stranded, Is.Zero, Examples());

    [Test]
    public void Should_end_every_product_stored_or_faulted_with_its_reason()
    {
        Assert.That(_report.FinalStates.Keys, Is.SubsetOf(new[] { "Completed", "Faulted" }));
        Assert.That(_report.Stored + _report.FinalStates.GetValueOrDefault("Faulted"), Is.GreaterThanOrEqualTo(Products));
    }

    string Examples() => $"{_report.Summary}; products to look at: {string.Join(", ", _report.Examples)}; logs in {_logs}";
}
