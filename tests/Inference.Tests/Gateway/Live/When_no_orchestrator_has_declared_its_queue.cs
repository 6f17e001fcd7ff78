using System.Net;
using Inference.Loopback;

namespace Inference.Tests.Gateway.Live;

/// <summary>
/// A Gateway on a virtual host where no Orchestrator has started yet (a first deployment, the Gateway up first): RabbitMQ has no
/// queue bound for <c>ProductTextReceived</c> and would drop what is published. The Gateway publishes mandatory, so the product
/// comes back and the caller is told 503 with Retry-After instead of 202 for a product nobody will ever see; once the
/// Orchestrator is there, the same post is accepted and runs.
/// </summary>
[Category("Integration")]
public sealed class When_no_orchestrator_has_declared_its_queue
{
    readonly Guid _product = Guid.NewGuid();
    RabbitMqVirtualHost _virtualHost = null!;
    PostgresDatabase _database = null!;
    GatewayFactory _gateway = null!;
    HttpClient _client = null!;
    InProcessPipeline? _pipeline;
    Answer _refused = null!;
    Answer _accepted = null!;

    string Body => $$"""{"id":"{{_product}}","source":"acme-feed","text":"Koss EQ50 3-band stereo equalizer"}""";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _virtualHost = await RabbitMqVirtualHost.CreateAsync("no-orchestrator");
        _database = await PostgresDatabase.CreateAsync("no_orchestrator");
        _gateway = new GatewayFactory(GatewayFactory.Settings(_virtualHost.TransportSettings(), _database.ConnectionString));
        _client = _gateway.CreateClient();
        await Http.UntilReadyAsync(_client);

        _refused = await Http.PostAsync(_client, Body);

        _pipeline = await InProcessPipeline.StartAsync(new Dictionary<string, string?>(_virtualHost.TransportSettings())
        {
            ["Store:Provider"] = "Postgres",
            ["Store:ConnectionString"] = _database.ConnectionString,
        });
        _accepted = await Http.PostAsync(_client, Body);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _client?.Dispose();
        if (_gateway is not null) await _gateway.DisposeAsync();
        if (_pipeline is not null) await _pipeline.DisposeAsync();
        if (_virtualHost is not null) await _virtualHost.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }

    [Test]
    public void Should_refuse_the_product_with_503_and_retry_after_while_no_queue_takes_it()
    {
        Assert.That(_refused.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), _refused.ToString());
        Assert.That(_refused.Header("Retry-After"), Is.Not.Null);
        Assert.That(_refused.Json.GetProperty("detail").GetString(), Does.Contain("ProductTextReceived").And.Contain("Orchestrator"));
    }

    [Test]
    public async Task Should_accept_and_run_the_same_product_once_the_orchestrator_is_there()
    {
        Assert.That(_accepted.Status, Is.EqualTo(HttpStatusCode.Accepted), _accepted.ToString());
        // The Gateway keeps no state of its own here (the pipeline's is in that process's memory): the stored record shows it ran.
        await Http.UntilAsync(async () => (await Http.GetAsync(_client, $"v1/products/{_product}/record", GatewayFactory.Key)).Status == HttpStatusCode.OK,
            $"the stored record of {_product}");
    }
}
