using System.Net;
using System.Text.Json;

namespace Inference.Tests.Gateway.Live;

/// <summary>Every bad request gets its 4xx and a problem (RFC 7807) that names what is wrong; nothing of it is published.</summary>
[Category("Integration")]
public sealed class When_a_request_is_bad
{
    HttpClient Client => LivePipeline.Client;

    static void AssertProblem(Answer answer, HttpStatusCode status)
    {
        Assert.That(answer.Status, Is.EqualTo(status), answer.ToString());
        Assert.That(answer.Header("Content-Type"), Does.StartWith("application/problem+json"));
        Assert.That(answer.Json.GetProperty("status").GetInt32(), Is.EqualTo((int)status));
        Assert.That(answer.Json.GetProperty("title").GetString(), Is.Not.Empty);
    }

    [Test]
    public async Task Should_refuse_an_empty_text()
    {
        var answer = await Http.PostAsync(Client, """{"source":"acme","text":"  "}""");
        AssertProblem(answer, HttpStatusCode.BadRequest);
        Assert.That(answer.ErrorsFor("text"), Has.Some.Contains("empty"));
    }

    [Test]
    public async Task Should_refuse_a_missing_text()
    {
        var answer = await Http.PostAsync(Client, """{"source":"acme"}""");
        AssertProblem(answer, HttpStatusCode.BadRequest);
        Assert.That(answer.ErrorsFor("text"), Has.Some.Contains("required"));
    }

    [Test]
    public async Task Should_refuse_a_text_over_the_limit_in_bytes_of_utf8()
    {
        // 40,000 characters but 80,000 bytes: the limit (64 KiB) is on bytes.
        var text = new string('é', 40_000);
        var answer = await Http.PostAsync(Client, JsonSerializer.Serialize(new { source = "acme", text }));
        AssertProblem(answer, HttpStatusCode.BadRequest);
        Assert.That(answer.ErrorsFor("text"), Has.Some.Contains("80,000 bytes").And.Some.Contains("65,536"));
    }

    [Test]
    public async Task Should_refuse_a_nul_in_the_text()
    {
        var answer = await Http.PostAsync(Client, """{"source":"acme","text":"Koss\u0000 EQ50"}""");
        AssertProblem(answer, HttpStatusCode.BadRequest);
        Assert.That(answer.ErrorsFor("text"), Has.Some.Contains("NUL"));
    }

    [Test]
    public async Task Should_refuse_a_lone_surrogate_escape_naming_the_field()
    {
        var answer = await Http.PostAsync(Client, """{"source":"acme","text":"Koss \ud800 EQ50"}""");
        AssertProblem(answer, HttpStatusCode.BadRequest);
        Assert.That(answer.ErrorsFor("text"), Has.Some.Contains("not valid Unicode"));
    }

    [Test]
    public async Task Should_refuse_bytes_that_are_not_utf8_naming_the_field()
    {
        byte[] invalid = [.. """{"source":"acme","text":"Koss """u8, 0xC3, 0x28, 0xFF, .. """ EQ50"}"""u8];
        var answer = await Http.PostAsync(Client, invalid);

        AssertProblem(answer, HttpStatusCode.BadRequest);
        Assert.That(answer.ErrorsFor("text"), Has.Some.Contains("not valid Unicode"));
    }

    [Test]
    public async Task Should_run_a_text_of_exactly_the_limit_to_the_end()
    {
        // 64 KiB, one run of letters and digits: what an extractor finds in it is longer than the store's columns.
        var text = "Acme " + string.Concat(Enumerable.Repeat("AB12", 16_382)) + "XYZ";
        Assert.That(System.Text.Encoding.UTF8.GetByteCount(text), Is.EqualTo(65_536));
        var accepted = await Http.PostAsync(Client, JsonSerializer.Serialize(new { source = "acme", text }));
        Assert.That(accepted.Status, Is.EqualTo(HttpStatusCode.Accepted), accepted.ToString());

        var id = accepted.Json.GetProperty("id").GetGuid();
        var state = await Http.UntilFinishedAsync(Client, id);
        Assert.That(state.GetProperty("state").GetString(), Is.EqualTo("Completed"), state.ToString());
        var record = (await Http.GetAsync(Client, $"v1/products/{id}/record")).Json;
        Assert.That(record.GetProperty("text").GetString(), Has.Length.EqualTo(text.Length));
        foreach (var field in new[] { "brand", "mpn", "gtin" })
            if (record.GetProperty(field).GetString() is { } value)
                Assert.That(value.Length, Is.LessThanOrEqualTo(400), field);
        Assert.That(record.GetProperty("adjustments").ValueKind, Is.EqualTo(JsonValueKind.Array));
    }

    [Test]
    public async Task Should_refuse_a_missing_source()
    {
        var answer = await Http.PostAsync(Client, """{"text":"Koss EQ50 equalizer"}""");
        AssertProblem(answer, HttpStatusCode.BadRequest);
        Assert.That(answer.ErrorsFor("source"), Has.Some.Contains("required"));
    }

    [Test]
    public async Task Should_refuse_a_source_longer_than_the_store_keeps()
    {
        var answer = await Http.PostAsync(Client, JsonSerializer.Serialize(new { source = new string('s', 201), text = "Koss EQ50" }));
        AssertProblem(answer, HttpStatusCode.BadRequest);
        Assert.That(answer.ErrorsFor("source"), Has.Some.Contains("over the limit of 200"));
    }

    [Test]
    public async Task Should_refuse_an_id_that_is_not_a_guid()
    {
        var answer = await Http.PostAsync(Client, """{"id":"walmart-42","source":"acme","text":"Koss EQ50"}""");
        AssertProblem(answer, HttpStatusCode.BadRequest);
        Assert.That(answer.ErrorsFor("id"), Has.Some.Contains("'walmart-42' is not a GUID"));
    }

    [Test]
    public async Task Should_refuse_malformed_json()
    {
        var answer = await Http.PostAsync(Client, """{"source":"acme","text":"Koss""");
        AssertProblem(answer, HttpStatusCode.BadRequest);
        Assert.That(answer.Json.GetProperty("title").GetString(), Does.Contain("not valid JSON"));
        Assert.That(answer.Json.GetProperty("detail").GetString(), Does.Contain("LineNumber"));
    }

    [Test]
    public async Task Should_refuse_a_body_that_is_not_json_with_415()
    {
        var answer = await Http.PostAsync(Client, "source=acme&text=Koss", contentType: "application/x-www-form-urlencoded");
        AssertProblem(answer, HttpStatusCode.UnsupportedMediaType);
        Assert.That(answer.Json.GetProperty("detail").GetString(), Does.Contain("application/json").And.Contain("x-www-form-urlencoded"));
    }

    [Test]
    public async Task Should_refuse_a_batch_over_the_limit_with_413()
    {
        var batch = Enumerable.Range(0, 1_001).Select(i => new { source = "acme", text = $"product {i}" });
        var answer = await Http.PostAsync(Client, JsonSerializer.Serialize(batch));
        AssertProblem(answer, HttpStatusCode.RequestEntityTooLarge);
        Assert.That(answer.Json.GetProperty("detail").GetString(), Does.Contain("1,001").And.Contain("1,000"));
    }

    [Test]
    public async Task Should_refuse_a_body_larger_than_a_full_batch_can_be_with_413()
    {
        // A gateway taking one product of at most 10 bytes accepts bodies of about 2 KiB.
        await using var small = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Transport:Kind"] = "InMemory",
            ["Store:Provider"] = "Postgres",
            ["Store:ConnectionString"] = LivePipeline.Database.ConnectionString,
            ["Gateway:ApiKeys:0"] = GatewayFactory.Key,
            ["Gateway:MaxBatchSize"] = "1",
            ["Products:MaxTextBytes"] = "10",
        });
        using var client = small.CreateClient();

        var answer = await Http.PostAsync(client, JsonSerializer.Serialize(new { source = "acme", text = new string('x', 5_000) }));

        AssertProblem(answer, HttpStatusCode.RequestEntityTooLarge);
        Assert.That(answer.Json.GetProperty("detail").GetString(), Does.Contain("2,068 bytes"));
    }

    [Test]
    public async Task Should_refuse_an_empty_batch()
    {
        var answer = await Http.PostAsync(Client, "[]");
        AssertProblem(answer, HttpStatusCode.BadRequest);
        Assert.That(answer.Json.GetProperty("title").GetString(), Does.Contain("empty"));
    }

    [Test]
    public async Task Should_refuse_a_body_that_is_neither_a_product_nor_a_batch()
    {
        var answer = await Http.PostAsync(Client, "\"Koss EQ50\"");
        AssertProblem(answer, HttpStatusCode.BadRequest);
        Assert.That(answer.Json.GetProperty("detail").GetString(), Does.Contain("was a string"));
    }

    [Test]
    public async Task Should_refuse_the_same_id_twice_in_a_batch()
    {
        var id = Guid.NewGuid();
        var answer = await Http.PostAsync(Client, $$"""[{"id":"{{id}}","source":"a","text":"one"},{"id":"{{id}}","source":"a","text":"two"}]""");
        AssertProblem(answer, HttpStatusCode.BadRequest);
        Assert.That(answer.ErrorsFor("[1].id"), Has.Some.Contains("record [0]"));
    }

    [Test]
    public async Task Should_refuse_a_whole_batch_naming_every_bad_record_and_publish_none_of_it()
    {
        Guid[] ids = [Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid()];
        var answer = await Http.PostAsync(Client, $$"""
            [
              {"id":"{{ids[0]}}","source":"acme","text":"Koss EQ50 equalizer"},
              {"id":"{{ids[1]}}","source":"acme","text":""},
              {"id":"{{ids[2]}}","source":"acme","text":"Swingline stapler"},
              {"id":"{{ids[3]}}","text":"no source here"},
              {"id":"{{ids[4]}}","source":"acme","text":"garden gloves"},
              42
            ]
            """);

        AssertProblem(answer, HttpStatusCode.BadRequest);
        Assert.That(answer.ErrorsFor("[1].text"), Has.Some.Contains("empty"));
        Assert.That(answer.ErrorsFor("[3].source"), Has.Some.Contains("required"));
        Assert.That(answer.ErrorsFor("[5]"), Has.Some.Contains("JSON object"));
        Assert.That(answer.Json.GetProperty("invalidRecords").EnumerateArray().Select(i => i.GetInt32()), Is.EqualTo(new[] { 1, 3, 5 }));
        Assert.That(answer.Json.GetProperty("detail").GetString(), Does.Contain("nothing was accepted"));

        // A product posted after it runs to the end; had the good records of the bad batch been published, they would be known by then.
        var after = await Http.PostAsync(Client, """{"source":"acme","text":"Koss EQ50 equalizer"}""");
        await Http.UntilFinishedAsync(Client, after.Json.GetProperty("id").GetGuid());
        foreach (var id in new[] { ids[0], ids[2], ids[4] })
            Assert.That((await Http.GetAsync(Client, $"v1/products/{id}")).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
