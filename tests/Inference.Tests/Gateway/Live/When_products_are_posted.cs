using System.Net;
using System.Text.Json;

namespace Inference.Tests.Gateway.Live;

/// <summary>Products posted to the Gateway run through the real pipeline (RabbitMQ, PostgreSQL) and can be read back.</summary>
[Category("Integration")]
public sealed class When_products_are_posted
{
    static readonly Guid Single = Guid.NewGuid();
    static readonly Guid[] Batch = [Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid()];
    Answer _single = null!;
    Answer _batch = null!;
    JsonElement _state;

    HttpClient Client => LivePipeline.Client;

    [OneTimeSetUp]
    public async Task PostAsync()
    {
        _single = await Http.PostAsync(Client,
            $$"""{"id":"{{Single}}","source":"acme-feed","sourceId":"sku-42","text":"Kingston 1GB DDR2 SDRAM memory module KTC-D320/1G 4006381333931"}""");
        _batch = await Http.PostAsync(Client, $$"""
            [
              {"id":"{{Batch[0]}}","source":"acme-feed","text":"Koss EQ50 3-band stereo equalizer black"},
              {"id":"{{Batch[1]}}","source":"acme-feed","text":"Swingline stapler 747 classic full strip, rio red"},
              {"id":"{{Batch[2]}}","source":"acme-feed","sourceId":"x-3","text":"plain cotton garden gloves, pair"}
            ]
            """);
        _state = await Http.UntilFinishedAsync(Client, Single);
    }

    [Test]
    public void Should_accept_a_single_product_with_its_location()
    {
        Assert.That(_single.Status, Is.EqualTo(HttpStatusCode.Accepted), _single.ToString());
        Assert.That(_single.Header("Location"), Is.EqualTo($"/v1/products/{Single}"));
        Assert.That(_single.Json.GetProperty("id").GetGuid(), Is.EqualTo(Single));
        Assert.That(_single.Json.GetProperty("location").GetString(), Is.EqualTo($"/v1/products/{Single}"));
    }

    [Test]
    public void Should_accept_a_batch_with_every_id_and_location_in_order()
    {
        Assert.That(_batch.Status, Is.EqualTo(HttpStatusCode.Accepted), _batch.ToString());
        Assert.That(_batch.Json.GetProperty("accepted").GetInt32(), Is.EqualTo(3));
        var products = _batch.Json.GetProperty("products").EnumerateArray().ToArray();
        Assert.That(products.Select(p => p.GetProperty("id").GetGuid()), Is.EqualTo(Batch));
        Assert.That(products.Select(p => p.GetProperty("location").GetString()), Is.EqualTo(Batch.Select(id => $"/v1/products/{id}")));
    }

    [Test]
    public void Should_complete_the_product_and_show_its_saga_state()
    {
        Assert.That(_state.GetProperty("state").GetString(), Is.EqualTo("Completed"), _state.ToString());
        Assert.That(_state.GetProperty("source").GetString(), Is.EqualTo("acme-feed"));
        Assert.That(_state.GetProperty("sourceId").GetString(), Is.EqualTo("sku-42"));
        Assert.That(_state.GetProperty("category").GetString(), Is.Not.Empty);
        Assert.That(_state.GetProperty("confidence").GetDouble(), Is.InRange(0, 1));
        Assert.That(_state.GetProperty("topK").GetArrayLength(), Is.GreaterThan(0));
        Assert.That(_state.GetProperty("extractor").GetString(), Is.Not.Empty);
        Assert.That(_state.GetProperty("gtin").GetString(), Is.EqualTo("4006381333931"));
        Assert.That(_state.GetProperty("verdicts").GetArrayLength(), Is.GreaterThan(0), "a GTIN is validated");
        Assert.That(_state.GetProperty("models").GetProperty("classify").GetString(), Does.Contain("@"));
        var stages = _state.GetProperty("stages");
        foreach (var stage in new[] { "receivedAt", "classifiedAt", "extractedAt", "validatedAt", "storedAt" })
            Assert.That(stages.GetProperty(stage).ValueKind, Is.EqualTo(JsonValueKind.String), stage);
        Assert.That(stages.GetProperty("faultedAt").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(_state.GetProperty("fault").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(_state.GetProperty("revision").GetInt64(), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_serve_the_stored_record_with_json_columns_as_json()
    {
        var record = await Http.GetAsync(Client, $"v1/products/{Single}/record");
        Assert.That(record.Status, Is.EqualTo(HttpStatusCode.OK), record.ToString());
        var json = record.Json;
        Assert.That(json.GetProperty("id").GetGuid(), Is.EqualTo(Single));
        Assert.That(json.GetProperty("gtin").GetString(), Is.EqualTo("4006381333931"));
        Assert.That(json.GetProperty("gtinValid").GetBoolean(), Is.True);
        Assert.That(json.GetProperty("attributes").ValueKind, Is.EqualTo(JsonValueKind.Object));
        Assert.That(json.GetProperty("verdicts").ValueKind, Is.EqualTo(JsonValueKind.Array));
        Assert.That(json.GetProperty("verdicts")[0].GetProperty("kind").GetString(), Is.Not.Empty);
        Assert.That(json.GetProperty("models").ValueKind, Is.EqualTo(JsonValueKind.Object));
        Assert.That(json.GetProperty("models").GetProperty("classify").GetString(), Does.Contain("@"));
        Assert.That(json.GetProperty("revision").GetInt64(), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_complete_every_product_of_the_batch()
    {
        foreach (var id in Batch)
            Assert.That((await Http.UntilFinishedAsync(Client, id)).GetProperty("state").GetString(), Is.EqualTo("Completed"));
    }

    [Test]
    public async Task Should_give_an_id_to_a_product_posted_without_one()
    {
        var answer = await Http.PostAsync(Client, """{"source":"acme-feed","text":"HP LaserJet toner cartridge black"}""");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.Accepted), answer.ToString());
        var id = answer.Json.GetProperty("id").GetGuid();
        Assert.That(id, Is.Not.EqualTo(Guid.Empty));
        Assert.That(answer.Header("Location"), Is.EqualTo($"/v1/products/{id}"));
        Assert.That((await Http.UntilFinishedAsync(Client, id)).GetProperty("state").GetString(), Is.EqualTo("Completed"));
    }

    [Test]
    public async Task Should_run_the_same_text_once_and_a_changed_text_as_the_next_revision()
    {
        var id = Guid.NewGuid();
        const string Text = "Seagate Barracuda 500GB hard drive ST3500418AS";
        var first = await Http.PostAsync(Client, $$"""{"id":"{{id}}","source":"acme-feed","text":"{{Text}}"}""");
        await Http.UntilFinishedAsync(Client, id);
        var again = await Http.PostAsync(Client, $$"""{"id":"{{id}}","source":"acme-feed","text":"{{Text}}"}""");

        Assert.That(again.Status, Is.EqualTo(HttpStatusCode.Accepted), again.ToString());
        Assert.That(again.Header("Location"), Is.EqualTo(first.Header("Location")));
        // A second run would store revision 2: give one the time to happen.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var record = await Http.GetAsync(Client, $"v1/products/{id}/record");
        Assert.That(record.Json.GetProperty("revision").GetInt64(), Is.EqualTo(1), "the same text is a duplicate: stored once");

        var changed = await Http.PostAsync(Client, $$"""{"id":"{{id}}","source":"acme-feed","text":"{{Text}}, 7200 rpm"}""");
        Assert.That(changed.Status, Is.EqualTo(HttpStatusCode.Accepted), changed.ToString());
        await Http.UntilAsync(async () =>
            (await Http.GetAsync(Client, $"v1/products/{id}/record")).Json.GetProperty("revision").GetInt64() == 2, "revision 2 to be stored");
        var state = await Http.UntilFinishedAsync(Client, id);
        Assert.That((state.GetProperty("revision").GetInt64(), state.GetProperty("text").GetString()), Is.EqualTo((2L, Text + ", 7200 rpm")));
        record = await Http.GetAsync(Client, $"v1/products/{id}/record");
        Assert.That(record.Json.GetProperty("text").GetString(), Is.EqualTo(Text + ", 7200 rpm"));
    }
}
