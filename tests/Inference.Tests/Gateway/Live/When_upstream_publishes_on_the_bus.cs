using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Inference.Contracts;
using Inference.Gateway.Pipeline;
using Microsoft.Extensions.Logging;

namespace Inference.Tests.Gateway.Live;

/// <summary>
/// An upstream system that knows nothing of MassTransit publishes ProductTextReceived straight onto the exchange, as raw JSON or
/// in the envelope, good messages and bad: the good ones run, the bad ones start no saga and wait in <c>product-state_error</c> or
/// <c>_skipped</c> with their reason, logged, counted and shown by <c>/v1/pipeline</c>.
/// </summary>
[Category("Integration")]
public sealed class When_upstream_publishes_on_the_bus
{
    const string Exchange = "Inference.Contracts:ProductTextReceived";
    const string Envelope = "application/vnd.masstransit+json";
    const string Raw = "application/json";

    readonly Guid _camel = Guid.NewGuid();
    readonly Guid _pascal = Guid.NewGuid();
    readonly Guid _emptyText = Guid.NewGuid();
    readonly Guid _corrected = Guid.NewGuid();
    readonly Guid _hugeText = Guid.NewGuid();
    readonly Guid _noSource = Guid.NewGuid();
    readonly Guid _wrongType = Guid.NewGuid();
    readonly Dictionary<string, Guid> _messageIds = [];
    readonly List<(string Instrument, long Value, Dictionary<string, object?> Tags)> _measurements = [];
    MeterListener _listener = null!;
    DateTimeOffset _publishedAt;

    HttpClient Client => LivePipeline.Client;

    [OneTimeSetUp]
    public async Task PublishAsync()
    {
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name is "inference.products.rejected" or "inference.messages.skipped") listener.EnableMeasurementEvents(instrument);
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            lock (_measurements) _measurements.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
        });
        _listener.Start();

        _publishedAt = DateTimeOffset.UtcNow;
        // Raw JSON in either casing, without receivedAt: the door takes the receipt time.
        await PublishAsync("camel", Raw, $$"""{"productId":"{{_camel}}","source":"bus-raw","sourceId":"c-1","text":"Koss EQ50 3-band stereo equalizer"}""");
        await PublishAsync("pascal", Raw, $$"""{"ProductId":"{{_pascal}}","Source":"bus-raw","Text":"Swingline stapler 747 classic full strip","ReceivedAt":"2026-01-02T03:04:05+00:00"}""");

        // Bad messages: each would once have become a saga (or product 00000000-…) and run or been silently ignored.
        await PublishAsync("no-id", Envelope, EnvelopeOf("no-id", "urn:message:Inference.Contracts:ProductTextReceived", """{"source":"bus-bad","text":"no id at all"}"""));
        await PublishAsync("snake", Raw, $$"""{"product_id":"{{Guid.NewGuid()}}","source":"bus-bad","source_id":"s-1","text":"snake case keys","received_at":"2026-01-02T03:04:05Z"}""");
        await PublishAsync("empty-text", Raw, $$"""{"productId":"{{_emptyText}}","source":"bus-bad","text":"   "}""");
        await PublishAsync("to-correct", Raw, $$"""{"productId":"{{_corrected}}","source":"bus-bad"}""");
        await PublishAsync("huge-text", Raw, JsonSerializer.Serialize(new { productId = _hugeText, source = "bus-bad", text = new string('x', 1024 * 1024) }));
        await PublishAsync("no-source", Envelope, EnvelopeOf("no-source", "urn:message:Inference.Contracts:ProductTextReceived", $$"""{"productId":"{{_noSource}}","text":"who sent this"}"""));
        await PublishAsync("wrong-type", Envelope, EnvelopeOf("wrong-type", "urn:message:Inference.Contracts:ProductTextRecieved", $$"""{"productId":"{{_wrongType}}","source":"bus-bad","text":"misspelt type"}"""));
        await PublishAsync("unreadable", Envelope, "{ this is not json");

        await Http.UntilFinishedAsync(Client, _camel);
        await Http.UntilFinishedAsync(Client, _pascal);
        // Every bad message has been dealt with once product-state_error holds the rejected and product-state_skipped the skipped.
        await Http.UntilAsync(async () =>
        {
            var kept = await DeadLettersAsync();
            return _messageIds.Where(m => m.Key is not ("camel" or "pascal" or "wrong-type")).All(m => kept.Any(k => k.Queue == "product-state_error" && k.MessageId == m.Value.ToString())) &&
                   kept.Any(k => k.Queue == "product-state_skipped" && k.MessageId == _messageIds["wrong-type"].ToString());
        }, "/v1/pipeline to show every bad message in product-state_error or _skipped");
    }

    [OneTimeTearDown]
    public void Stop() => _listener.Dispose();

    async Task PublishAsync(string name, string contentType, string payload)
    {
        _messageIds.TryAdd(name, Guid.NewGuid());
        await LivePipeline.VirtualHost.PublishRawAsync(Exchange, payload, contentType, _messageIds[name]);
    }

    // As a MassTransit producer does, the envelope's messageId is the AMQP message id too.
    string EnvelopeOf(string name, string messageType, string message)
    {
        _messageIds[name] = Guid.NewGuid();
        return $$"""{"messageId":"{{_messageIds[name]}}","messageType":["{{messageType}}"],"message":{{message}}}""";
    }

    async Task<List<(string Queue, string? MessageId, Guid? ProductId, string Reason)>> DeadLettersAsync()
    {
        var pipeline = (await Http.GetAsync(Client, "v1/pipeline")).Json;
        return pipeline.GetProperty("deadLetters").EnumerateArray()
            .SelectMany(q => q.GetProperty("newest").EnumerateArray().Select(m => (
                q.GetProperty("queue").GetString()!,
                m.GetProperty("messageId").GetString(),
                m.GetProperty("productId").ValueKind == JsonValueKind.Null ? (Guid?)null : m.GetProperty("productId").GetGuid(),
                m.GetProperty("reason").GetString()!)))
            .ToList();
    }

    [Test]
    public async Task Should_run_raw_json_in_either_casing()
    {
        var camel = await Http.UntilFinishedAsync(Client, _camel);
        var pascal = await Http.UntilFinishedAsync(Client, _pascal);
        Assert.That(camel.GetProperty("state").GetString(), Is.EqualTo("Completed"), camel.ToString());
        Assert.That(camel.GetProperty("sourceId").GetString(), Is.EqualTo("c-1"));
        Assert.That(pascal.GetProperty("state").GetString(), Is.EqualTo("Completed"), pascal.ToString());
        Assert.That(pascal.GetProperty("source").GetString(), Is.EqualTo("bus-raw"));
        Assert.That(pascal.GetProperty("stages").GetProperty("receivedAt").GetDateTimeOffset(), Is.EqualTo(DateTimeOffset.Parse("2026-01-02T03:04:05+00:00")));
    }

    [Test]
    public async Task Should_read_raw_json_as_the_product_text_and_as_no_other_event_of_the_saga()
    {
        // Read as every event the saga takes, it would fault there (a Fault<StoreProduct> without its message) and be kept as bad.
        var kept = await DeadLettersAsync();
        Assert.That(kept.Select(k => k.MessageId), Has.None.EqualTo(_messageIds["camel"].ToString()).And.None.EqualTo(_messageIds["pascal"].ToString()));
    }

    [Test]
    public async Task Should_take_the_receipt_time_when_received_at_is_missing()
    {
        var receivedAt = (await Http.UntilFinishedAsync(Client, _camel)).GetProperty("stages").GetProperty("receivedAt").GetDateTimeOffset();
        Assert.That(receivedAt, Is.InRange(_publishedAt.AddSeconds(-1), DateTimeOffset.UtcNow));
    }

    [Test]
    public async Task Should_start_no_saga_for_a_rejected_or_skipped_message()
    {
        foreach (var id in new[] { _emptyText, _hugeText, _noSource, _wrongType, Guid.Empty })
            Assert.That((await Http.GetAsync(Client, $"v1/products/{id}")).Status, Is.EqualTo(HttpStatusCode.NotFound), id.ToString());
    }

    [TestCase("no-id", "productId is missing or the empty GUID")]
    [TestCase("snake", "productId is missing or the empty GUID")]
    [TestCase("empty-text", "text is empty")]
    [TestCase("huge-text", "text is 1,048,576 bytes of UTF-8, over the limit of 65,536 (Products:MaxTextBytes)")]
    [TestCase("no-source", "source is required")]
    [TestCase("to-correct", "text is required")]
    [TestCase("unreadable", "invalid start of a property name")]
    public async Task Should_keep_the_message_in_product_state_error_with_its_reason(string message, string reason)
    {
        var kept = (await DeadLettersAsync()).Where(k => k.MessageId == _messageIds[message].ToString()).ToArray();
        Assert.That(kept.Select(k => k.Queue), Is.EqualTo(new[] { "product-state_error" }));
        Assert.That(kept[0].Reason, Does.Contain(reason));
    }

    [Test]
    public async Task Should_name_the_product_of_a_rejected_message()
    {
        var kept = await DeadLettersAsync();
        Assert.That(kept.Single(k => k.MessageId == _messageIds["empty-text"].ToString()).ProductId, Is.EqualTo(_emptyText));
        Assert.That(kept.Single(k => k.MessageId == _messageIds["no-source"].ToString()).ProductId, Is.EqualTo(_noSource));
    }

    [Test]
    public async Task Should_keep_a_message_of_a_type_nobody_takes_in_product_state_skipped_with_its_type()
    {
        var kept = (await DeadLettersAsync()).Single(k => k.MessageId == _messageIds["wrong-type"].ToString());
        Assert.That(kept.Queue, Is.EqualTo("product-state_skipped"));
        Assert.That(kept.ProductId, Is.EqualTo(_wrongType));
        Assert.That(kept.Reason, Does.Contain("Inference.Contracts:ProductTextRecieved"));
    }

    [TestCase("no-id", "productId")]
    [TestCase("empty-text", "text")]
    [TestCase("huge-text", "text")]
    [TestCase("no-source", "source")]
    public void Should_log_each_rejection_with_its_message_id_and_field(string message, string field)
    {
        var warnings = LivePipeline.Pipeline.Logs.Entries.Where(e => e.Level == LogLevel.Warning && e.Message.Contains(_messageIds[message].ToString())).ToArray();
        Assert.That(warnings, Has.Length.EqualTo(1), string.Join("\n", LivePipeline.Pipeline.Logs.Entries.Select(e => e.Message)));
        Assert.That(warnings[0].Message, Does.Contain("rejected at the bus door").And.Contain($"{field} "));
    }

    [Test]
    public void Should_log_and_count_a_skipped_message()
    {
        var warning = LivePipeline.Pipeline.Logs.Entries.Where(e => e.Level == LogLevel.Warning && e.Message.Contains(_messageIds["wrong-type"].ToString())).ToArray();
        Assert.That(warning, Has.Length.EqualTo(1));
        Assert.That(warning[0].Message, Does.Contain("ProductTextRecieved").And.Contain("product-state_skipped"));
        lock (_measurements)
            Assert.That(_measurements.Where(m => m.Instrument == "inference.messages.skipped" && (string?)m.Tags["queue"] == "product-state").Sum(m => m.Value),
                Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public void Should_count_each_rejection_by_its_fields()
    {
        lock (_measurements)
        {
            var rejected = _measurements.Where(m => m.Instrument == "inference.products.rejected").Select(m => (string)m.Tags["fields"]!).ToArray();
            Assert.That(rejected, Is.SupersetOf(new[] { "productId", "text", "source" }));
        }
    }

    [Test]
    public async Task Should_run_a_rejected_product_sent_again_corrected()
    {
        await LivePipeline.VirtualHost.PublishRawAsync(Exchange,
            $$"""{"productId":"{{_corrected}}","source":"bus-bad","text":"Kingston 1GB DDR2 memory module, text added"}""", Raw);
        var state = await Http.UntilFinishedAsync(Client, _corrected);
        Assert.That(state.GetProperty("state").GetString(), Is.EqualTo("Completed"));
        Assert.That(state.GetProperty("text").GetString(), Does.Contain("text added"));
    }

    [Test]
    public async Task Should_keep_bad_messages_only_in_the_pipeline_s_own_dead_letter_queues()
    {
        var queues = await LivePipeline.VirtualHost.QueuesAsync();
        var dead = queues.Where(q => q.EndsWith("_error", StringComparison.Ordinal) || q.EndsWith("_skipped", StringComparison.Ordinal)).ToArray();
        Assert.That(dead, Does.Contain($"{QueueNames.ProductState}_error"));
        Assert.That(dead, Has.All.Matches<string>(q => PipelineQueue.Rank(q) is not null), "no queue outside the pipeline's keeps a copy");
    }
}
