using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Inference.Tests.Gateway.Live;

/// <summary>
/// A Gateway whose RabbitMQ, Redis and PostgreSQL do not answer (their ports refuse connections, as while each restarts):
/// every request is answered within seconds, 503 with Retry-After for what needs the missing server, never a 500 and never
/// a request held until the server is back.
/// </summary>
[Category("Integration")]
public sealed class When_a_server_the_gateway_needs_is_down
{
    static readonly TimeSpan Quickly = TimeSpan.FromSeconds(10);
    GatewayFactory _gateway = null!;
    HttpClient _client = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Transport:Kind"] = "RabbitMq",
            ["Transport:RabbitMq:Host"] = "127.0.0.1",
            ["Transport:RabbitMq:Port"] = ClosedPort().ToString(),
            ["SagaRepository:Kind"] = "Redis",
            ["SagaRepository:Redis:Configuration"] = $"127.0.0.1:{ClosedPort()},connectTimeout=1000",
            ["Store:Provider"] = "Postgres",
            ["Store:ConnectionString"] = $"Host=127.0.0.1;Port={ClosedPort()};Username=postgres;Database=inference;Timeout=2",
            ["Gateway:ApiKeys:0"] = GatewayFactory.Key,
            ["Gateway:PublishTimeout"] = "00:00:02",
        });
        _client = _gateway.CreateClient();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _client.Dispose();
        await _gateway.DisposeAsync();
    }

    [Test]
    public async Task Should_answer_a_post_with_503_and_retry_after_when_the_broker_is_down()
    {
        var (answer, took) = await Timed(() => Http.PostAsync(_client, """{"source":"acme","text":"Koss EQ50 equalizer"}"""));
        AssertUnavailable(answer, took, "RabbitMQ");
    }

    [Test]
    public async Task Should_answer_a_state_read_with_503_when_redis_is_down()
    {
        var (answer, took) = await Timed(() => Http.GetAsync(_client, $"v1/products/{Guid.NewGuid()}"));
        AssertUnavailable(answer, took, "Redis");
    }

    [Test]
    public async Task Should_answer_a_record_read_with_503_when_postgresql_is_down()
    {
        var (answer, took) = await Timed(() => Http.GetAsync(_client, $"v1/products/{Guid.NewGuid()}/record"));
        AssertUnavailable(answer, took, "PostgreSQL");
    }

    [Test]
    public async Task Should_answer_readiness_within_seconds_naming_what_is_down()
    {
        var (answer, took) = await Timed(() => Http.GetAsync(_client, "health/ready"));
        Assert.That(took, Is.LessThan(Quickly));
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), answer.ToString());
        var failing = answer.Json.GetProperty("checks").EnumerateArray()
            .Where(c => c.GetProperty("status").GetString() != "Healthy").Select(c => c.GetProperty("name").GetString()).ToArray();
        Assert.That(failing, Does.Contain("postgres").And.Contain("redis"));
    }

    [Test]
    public async Task Should_answer_the_pipeline_within_seconds_saying_what_is_missing()
    {
        var (answer, took) = await Timed(() => Http.GetAsync(_client, "v1/pipeline"));
        Assert.That(took, Is.LessThan(Quickly));
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.ToString());
        Assert.That(answer.Json.GetProperty("history").GetProperty("unavailable").GetString(), Does.Contain("Redis"));
        var completed = answer.Json.GetProperty("states").GetProperty("counts").EnumerateArray().Single(c => c.GetProperty("state").GetString() == "Completed");
        Assert.That(completed.GetProperty("count").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Null), "unknown, not zero");

        var (history, tookHistory) = await Timed(() => Http.GetAsync(_client, "v1/pipeline/history"));
        AssertUnavailable(history, tookHistory, "Redis");
    }

    [Test]
    public async Task Should_still_answer_liveness() =>
        Assert.That((await Http.GetAsync(_client, "health/live")).Status, Is.EqualTo(HttpStatusCode.OK));

    static void AssertUnavailable(Answer answer, TimeSpan took, string server)
    {
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), answer.ToString());
        Assert.That(took, Is.LessThan(Quickly), "answered within seconds");
        Assert.That(answer.Header("Retry-After"), Is.EqualTo("5"));
        Assert.That(answer.Header("Content-Type"), Does.StartWith("application/problem+json"));
        Assert.That(answer.Json.GetProperty("detail").GetString(), Does.Contain(server));
    }

    static async Task<(Answer Answer, TimeSpan Took)> Timed(Func<Task<Answer>> request)
    {
        var clock = Stopwatch.StartNew();
        var answer = await request();
        return (answer, clock.Elapsed);
    }

    /// <summary>A loopback port nothing listens on: connections to it are refused, as while a server restarts.</summary>
    static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
