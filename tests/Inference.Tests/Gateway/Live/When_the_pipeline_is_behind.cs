using System.Net;
using System.Text;
using Inference.Loopback;
using RabbitMQ.Client;

namespace Inference.Tests.Gateway.Live;

/// <summary>
/// Back-pressure: a gateway whose <c>classify</c> queue holds more than <c>Gateway:BackPressure:MaxClassifyQueue</c> messages
/// answers <c>POST /v1/products</c> with 429 and <c>Retry-After</c>, shows the limit and the measured depth on
/// <c>/v1/pipeline</c>, and accepts again once the queue has drained. (A virtual host of its own, where nothing consumes.)
/// </summary>
[Category("Integration")]
public sealed class When_the_pipeline_is_behind
{
    const int Limit = 5;
    RabbitMqVirtualHost _vhost = null!;
    GatewayFactory _gateway = null!;
    HttpClient _client = null!;
    Answer _refused = null!;
    Answer _pipeline = null!;
    Answer _afterDrain = null!;

    [OneTimeSetUp]
    public async Task FillAsync()
    {
        _vhost = await RabbitMqVirtualHost.CreateAsync("behind");
        var settings = GatewayFactory.Settings(_vhost.TransportSettings(), LivePipeline.Database.ConnectionString);
        settings["Gateway:BackPressure:MaxClassifyQueue"] = Limit.ToString();
        settings["Gateway:BackPressure:RetryAfter"] = "00:00:07";
        settings["Gateway:BackPressure:MeasureEvery"] = "00:00:00";
        _gateway = new GatewayFactory(settings);
        _client = _gateway.CreateClient();

        var factory = new ConnectionFactory { Uri = _vhost.AmqpUri() };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("classify", durable: true, exclusive: false, autoDelete: false);
        // Where the Orchestrator would take products from: without a queue bound, the Gateway's mandatory publish comes back (503).
        await channel.ExchangeDeclareAsync("Inference.Contracts:ProductTextReceived", ExchangeType.Fanout, durable: true);
        await channel.QueueDeclareAsync("product-state", durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync("product-state", "Inference.Contracts:ProductTextReceived", "");
        for (var i = 0; i <= Limit; i++)
            await channel.BasicPublishAsync("", "classify", Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"));

        _refused = await Http.PostAsync(_client, """{"source":"behind","text":"Koss EQ50"}""");
        _pipeline = await Http.GetAsync(_client, "v1/pipeline");
        await channel.QueuePurgeAsync("classify");
        _afterDrain = await Http.PostAsync(_client, """{"source":"behind","text":"Koss EQ50"}""");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _client?.Dispose();
        if (_gateway is not null) await _gateway.DisposeAsync();
        if (_vhost is not null) await _vhost.DisposeAsync();
    }

    [Test]
    public void Should_answer_429_with_retry_after_while_the_classify_queue_is_over_its_limit()
    {
        Assert.That(_refused.Status, Is.EqualTo(HttpStatusCode.TooManyRequests), _refused.ToString());
        Assert.That(_refused.Header("Retry-After"), Is.EqualTo("7"));
        Assert.That(_refused.Json.GetProperty("detail").GetString(), Does.Contain($"{Limit + 1} messages").And.Contain("MaxClassifyQueue"));
    }

    [Test]
    public void Should_show_the_limit_and_the_measured_depth_on_the_pipeline()
    {
        Assert.That(_pipeline.Status, Is.EqualTo(HttpStatusCode.OK), _pipeline.ToString());
        var pressure = _pipeline.Json.GetProperty("backPressure");
        Assert.That(pressure.GetProperty("classifyQueue").GetProperty("measured").GetInt64(), Is.EqualTo(Limit + 1));
        Assert.That(pressure.GetProperty("classifyQueue").GetProperty("limit").GetInt64(), Is.EqualTo(Limit));
        Assert.That(pressure.GetProperty("refusing").GetBoolean(), Is.True);
        Assert.That(pressure.GetProperty("inFlight").GetProperty("limit").GetInt64(), Is.GreaterThan(0));
    }

    [Test]
    public void Should_accept_again_once_the_queue_has_drained() =>
        Assert.That(_afterDrain.Status, Is.EqualTo(HttpStatusCode.Accepted), _afterDrain.ToString());
}
