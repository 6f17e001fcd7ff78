using System.Net;
using Microsoft.Extensions.Logging;

namespace Inference.Tests.Gateway.Live;

/// <summary>Writes need a key from <c>Gateway:ApiKeys</c>; reads need one only when configured; with no key configured nothing is open.</summary>
[Category("Integration")]
public sealed class When_a_caller_has_no_valid_key
{
    const string Product = """{"source":"acme","text":"Koss EQ50 equalizer"}""";

    GatewayFactory _readsNeedKey = null!;
    GatewayFactory _noKeys = null!;

    HttpClient Client => LivePipeline.Client;

    [OneTimeSetUp]
    public void StartGateways()
    {
        // Lighter gateways on the in-memory transport: what is under test here is the HTTP front.
        _readsNeedKey = new GatewayFactory(InMemory(new()
        {
            ["Gateway:ApiKeys:0"] = GatewayFactory.Key,
            ["Gateway:RequireKeyForReads"] = "true",
        }));
        _noKeys = new GatewayFactory(InMemory(new()));
    }

    [OneTimeTearDown]
    public async Task StopGatewaysAsync()
    {
        await _readsNeedKey.DisposeAsync();
        await _noKeys.DisposeAsync();
    }

    static Dictionary<string, string?> InMemory(Dictionary<string, string?> settings)
    {
        settings["Transport:Kind"] = "InMemory";
        settings["Store:Provider"] = "Postgres";
        settings["Store:ConnectionString"] = LivePipeline.Database.ConnectionString;
        return settings;
    }

    static void AssertUnauthorized(Answer answer, string because)
    {
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.Unauthorized), answer.ToString());
        Assert.That(answer.Header("Content-Type"), Does.StartWith("application/problem+json"));
        Assert.That(answer.Header("WWW-Authenticate"), Does.Contain("X-Api-Key"));
        Assert.That(answer.Json.GetProperty("detail").GetString(), Does.Contain(because));
    }

    [Test]
    public async Task Should_refuse_a_post_without_a_key() =>
        AssertUnauthorized(await Http.PostAsync(Client, Product, key: null), "needs an API key");

    [Test]
    public async Task Should_refuse_a_post_with_a_wrong_key() =>
        AssertUnauthorized(await Http.PostAsync(Client, Product, key: GatewayFactory.Key + "x"), "holds no valid key");

    [Test]
    public async Task Should_let_reads_through_without_a_key_by_default()
    {
        var answer = await Http.GetAsync(Client, "v1/pipeline");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.ToString());
    }

    [Test]
    public async Task Should_refuse_reads_without_a_key_when_configured()
    {
        using var client = _readsNeedKey.CreateClient();
        AssertUnauthorized(await Http.GetAsync(client, "v1/pipeline"), "needs an API key");
        AssertUnauthorized(await Http.GetAsync(client, $"v1/products/{Guid.NewGuid()}"), "needs an API key");
        Assert.That((await Http.GetAsync(client, "v1/pipeline", GatewayFactory.Key)).Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Should_still_answer_health_probes_without_a_key_when_reads_need_one()
    {
        using var client = _readsNeedKey.CreateClient();
        Assert.That((await Http.GetAsync(client, "health/live")).Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Should_refuse_every_write_when_no_key_is_configured_and_say_so_at_start()
    {
        using var client = _noKeys.CreateClient();
        AssertUnauthorized(await Http.PostAsync(client, Product, key: GatewayFactory.Key), "No API key is configured");
        AssertUnauthorized(await Http.PostAsync(client, Product, key: null), "No API key is configured");
        Assert.That(_noKeys.Logs.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message),
            Has.Some.Contains("Gateway:ApiKeys is empty"));
    }
}
