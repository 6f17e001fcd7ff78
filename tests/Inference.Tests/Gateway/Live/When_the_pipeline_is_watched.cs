using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Inference.Contracts;
using Inference.Tests.Integration;

namespace Inference.Tests.Gateway.Live;

/// <summary><c>/v1/pipeline</c> while products flow: the broker's queues, and what the gateways heard of the events.</summary>
[Category("Integration")]
public sealed class When_the_pipeline_is_watched
{
    const int Products = 10;
    // The Gateway and the saga's door refuse what the store could not keep; a constraint of the database's own can still refuse a row.
    readonly Guid _faulted = Guid.NewGuid();
    GatewayFactory _other = null!;
    HttpClient _otherClient = null!;

    HttpClient Client => LivePipeline.Client;

    [OneTimeSetUp]
    public async Task FlowAsync()
    {
        // A second replica: it must hear every event too, on its own temporary endpoint.
        _other = new GatewayFactory(LivePipeline.GatewaySettings(), LivePipeline.Pipeline);
        _otherClient = _other.CreateClient();
        await Http.UntilReadyAsync(_otherClient);

        var batch = Enumerable.Range(0, Products).Select(i => new { source = "watch", text = $"Koss EQ50 3-band equalizer no. {i}" });
        var accepted = await Http.PostAsync(Client, JsonSerializer.Serialize(batch));
        Assert.That(accepted.Status, Is.EqualTo(HttpStatusCode.Accepted), accepted.ToString());

        foreach (var product in accepted.Json.GetProperty("products").EnumerateArray())
            await Http.UntilFinishedAsync(Client, product.GetProperty("id").GetGuid());

        // A product the database refuses (a check constraint, as a DBA might add): the store faults it, the saga says why.
        await LivePipeline.RefuseMarkedTextsAsync();

        await LivePipeline.Pipeline.Bus.Publish(new ProductTextReceived(_faulted, "watch", null, $"Koss EQ50 {LivePipeline.RefusedMarker}", DateTimeOffset.UtcNow));
        await Http.UntilFinishedAsync(Client, _faulted);

        // The figures come from the events each gateway hears, and a saga in Redis can be finished a moment before a replica
        // has heard its last event: wait until both have.
        foreach (var client in new[] { Client, _otherClient })
            await Http.UntilAsync(async () =>
            {
                var pipeline = await PipelineAsync(client);
                return StateCount(pipeline, "Completed") >= Products &&
                       pipeline.GetProperty("faults").EnumerateArray().Any(f => f.GetProperty("productId").GetGuid() == _faulted);
            }, "every gateway to hear the last events");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _otherClient.Dispose();
        await _other.DisposeAsync();
    }

    async Task<JsonElement> PipelineAsync(HttpClient? client = null)
    {
        var answer = await Http.GetAsync(client ?? Client, "v1/pipeline");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.ToString());
        return answer.Json;
    }

    static JsonElement? Queue(JsonElement pipeline, string name) =>
        pipeline.GetProperty("queues").GetProperty("items").EnumerateArray()
            .Cast<JsonElement?>().FirstOrDefault(q => q!.Value.GetProperty("name").GetString() == name);

    static long StateCount(JsonElement pipeline, string state) =>
        pipeline.GetProperty("states").GetProperty("counts").EnumerateArray()
            .Single(s => s.GetProperty("state").GetString() == state).GetProperty("count").GetInt64();

    static JsonElement Stage(JsonElement pipeline, string stage) =>
        pipeline.GetProperty("stages").EnumerateArray().Single(s => s.GetProperty("stage").GetString() == stage).GetProperty("lastMinute");

    [Test]
    public async Task Should_list_every_pipeline_queue_with_its_consumers()
    {
        string[] queues = ["classify", "extract-generic", "extract-computers-accessories", "validate", "store", "product-state"];
        // The broker's management statistics lag a few seconds behind.
        await Http.UntilAsync(async () =>
        {
            var pipeline = await PipelineAsync();
            return queues.All(q => Queue(pipeline, q)?.GetProperty("consumers").GetInt32() >= 1);
        }, "every pipeline queue to show a consumer");

        var names = (await PipelineAsync()).GetProperty("queues").GetProperty("items").EnumerateArray()
            .Select(q => q.GetProperty("name").GetString()).ToArray();
        Assert.That(names, Is.SupersetOf(queues));
        Assert.That(Array.IndexOf(names, "classify"), Is.LessThan(Array.IndexOf(names, "store")), "in pipeline order");
    }

    [Test]
    public async Task Should_show_the_failed_message_in_the_error_queue_of_its_stage() =>
        await Http.UntilAsync(async () => Queue(await PipelineAsync(), "store_error")?.GetProperty("ready").GetInt64() >= 1,
            "store_error to hold the failed message");

    [Test]
    public async Task Should_count_products_by_state()
    {
        var pipeline = await PipelineAsync();
        Assert.That(StateCount(pipeline, "Completed"), Is.GreaterThanOrEqualTo(Products));
        Assert.That(StateCount(pipeline, "Faulted"), Is.GreaterThanOrEqualTo(1));
        Assert.That(pipeline.GetProperty("states").GetProperty("since").GetDateTimeOffset(), Is.LessThan(DateTimeOffset.UtcNow));
    }

    [Test]
    public async Task Should_measure_throughput_and_latency_of_each_stage_over_the_last_minute()
    {
        var pipeline = await PipelineAsync();
        Assert.That(pipeline.GetProperty("windowSeconds").GetInt32(), Is.EqualTo(60));
        foreach (var stage in new[] { "classify", "extract", "store", "end-to-end" })
        {
            var minute = Stage(pipeline, stage);
            Assert.That(minute.GetProperty("count").GetInt64(), Is.GreaterThanOrEqualTo(Products), stage);
            Assert.That(minute.GetProperty("perSecond").GetDouble(), Is.GreaterThan(0), stage);
            var latency = minute.GetProperty("latencyMs");
            Assert.That(latency.GetProperty("samples").GetInt64(), Is.GreaterThanOrEqualTo(Products), stage);
            Assert.That(latency.GetProperty("p50").GetDouble(), Is.LessThanOrEqualTo(latency.GetProperty("p95").GetDouble()), stage);
            Assert.That(latency.GetProperty("p95").GetDouble(), Is.LessThanOrEqualTo(latency.GetProperty("max").GetDouble()), stage);
        }

        Assert.That(Stage(pipeline, "received").GetProperty("count").GetInt64(), Is.GreaterThanOrEqualTo(Products + 1));
        Assert.That(Stage(pipeline, "faulted").GetProperty("count").GetInt64(), Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public async Task Should_list_the_latest_fault_with_its_stage_and_reason()
    {
        var fault = (await PipelineAsync()).GetProperty("faults").EnumerateArray()
            .Single(f => f.GetProperty("productId").GetGuid() == _faulted);
        Assert.That(fault.GetProperty("stage").GetString(), Is.EqualTo("store"));
        Assert.That(fault.GetProperty("reason").GetString(), Does.Contain("23514").Or.Contain("refuses_marked_text"));
    }

    [Test]
    public async Task Should_show_the_faulted_product_with_its_stage_and_reason()
    {
        var state = await Http.UntilFinishedAsync(Client, _faulted);
        Assert.That(state.GetProperty("state").GetString(), Is.EqualTo("Faulted"));
        Assert.That(state.GetProperty("fault").GetProperty("stage").GetString(), Is.EqualTo("store"));
        Assert.That(state.GetProperty("fault").GetProperty("reason").GetString(), Is.Not.Empty);
        Assert.That(state.GetProperty("stages").GetProperty("faultedAt").ValueKind, Is.EqualTo(JsonValueKind.String));
    }

    [Test]
    public async Task Should_deliver_each_event_to_the_saga_s_queue_alone()
    {
        // The figures come from the saga's tallies: no gateway has a queue of its own bound to the pipeline's events.
        using var management = RabbitMqVirtualHost.Client(LoopbackServers.Current);
        var vhost = Uri.EscapeDataString(LivePipeline.VirtualHost.Name);
        foreach (var message in new[] { nameof(ProductClassified), nameof(ProductStored) })
        {
            var bindings = await management.GetFromJsonAsync<JsonElement>(
                $"api/exchanges/{vhost}/{Uri.EscapeDataString($"Inference.Contracts:{message}")}/bindings/source");
            var destinations = bindings.EnumerateArray().Select(b => b.GetProperty("destination").GetString()).ToArray();
            Assert.That(destinations, Is.EqualTo(new[] { QueueNames.ProductState }), message);
        }
    }

    [Test]
    public async Task Should_be_heard_by_every_gateway_replica()
    {
        var other = await PipelineAsync(_otherClient);
        Assert.That(StateCount(other, "Completed"), Is.GreaterThanOrEqualTo(Products));
        Assert.That(other.GetProperty("faults").EnumerateArray().Select(f => f.GetProperty("productId").GetGuid()), Does.Contain(_faulted));
    }
}
