using System.Net;
using System.Text.Json;
using Inference.Cli;
using Inference.Sagas;

namespace Inference.Tests.Gateway.Live;

/// <summary>
/// One id rule: without an id, a product is named by its source and sourceId exactly as <c>inference run</c> names a line; with
/// neither, an <c>Idempotency-Key</c> makes a client's repeated POST answer the same products instead of making new ones.
/// </summary>
[Category("Integration")]
public sealed class When_products_are_posted_without_an_id
{
    static readonly string Key = $"retry-{Guid.NewGuid():N}";
    const string Body = """[{"source":"idem","text":"Koss EQ50 3-band equalizer"},{"source":"idem","text":"Swingline 747 stapler"}]""";
    static readonly Dictionary<string, string> WithKey = new() { ["Idempotency-Key"] = Key };

    Answer _first = null!;
    Answer _repeated = null!;
    Answer _withoutKey = null!;
    Answer _otherBody = null!;
    Answer _bySourceId = null!;

    HttpClient Client => LivePipeline.Client;

    [OneTimeSetUp]
    public async Task PostAsync()
    {
        _first = await Http.PostAsync(Client, Body, headers: WithKey);
        _repeated = await Http.PostAsync(Client, Body, headers: WithKey);
        _withoutKey = await Http.PostAsync(Client, Body);
        _otherBody = await Http.PostAsync(Client, Body.Replace("stapler", "stapler, red"), headers: WithKey);
        _bySourceId = await Http.PostAsync(Client, """{"source":"acme-feed","sourceId":"sku-idem-1","text":"Koss EQ50 3-band equalizer"}""");
        foreach (var id in Ids(_first)) await Http.UntilFinishedAsync(Client, id);
    }

    static Guid[] Ids(Answer answer) =>
        answer.Json.GetProperty("products").EnumerateArray().Select(p => p.GetProperty("id").GetGuid()).ToArray();

    [Test]
    public void Should_answer_a_repeated_post_with_the_same_products()
    {
        Assert.That(_first.Status, Is.EqualTo(HttpStatusCode.Accepted), _first.ToString());
        Assert.That(_repeated.Status, Is.EqualTo(HttpStatusCode.Accepted), _repeated.ToString());
        Assert.That(Ids(_repeated), Is.EqualTo(Ids(_first)));
        Assert.That(Ids(_first), Is.Unique);
    }

    [Test]
    public async Task Should_run_each_product_of_the_repeated_post_once()
    {
        foreach (var id in Ids(_first))
        {
            var state = await Http.UntilFinishedAsync(Client, id);
            Assert.That((state.GetProperty("state").GetString(), state.GetProperty("revision").GetInt64()), Is.EqualTo(("Completed", 1L)));
        }
    }

    [Test]
    public void Should_make_new_products_without_the_key() =>
        Assert.That(Ids(_withoutKey), Has.None.AnyOf(Ids(_first).Cast<object>().ToArray()));

    [Test]
    public void Should_refuse_the_key_for_other_products()
    {
        Assert.That(_otherBody.Status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), _otherBody.ToString());
        Assert.That(_otherBody.Json.GetProperty("detail").GetString(), Does.Contain("Idempotency-Key"));
    }

    [Test]
    public async Task Should_refuse_a_key_that_is_too_long()
    {
        var answer = await Http.PostAsync(Client, Body, headers: new Dictionary<string, string> { ["Idempotency-Key"] = new string('k', 256) });
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.BadRequest), answer.ToString());
        Assert.That(answer.ErrorsFor("Idempotency-Key"), Has.Length.EqualTo(1));
    }

    [Test]
    public void Should_name_a_product_by_source_and_source_id_as_the_cli_does()
    {
        Assert.That(_bySourceId.Status, Is.EqualTo(HttpStatusCode.Accepted), _bySourceId.ToString());
        var cli = new ProductFile(new RunSettings("in", "out", "db", RunSettings.DefaultMaxTextBytes, TimeSpan.Zero).Rules).Parse(1, """{"id":"sku-idem-1","source":"acme-feed","text":"Koss EQ50"}""").Product!;
        Assert.That(_bySourceId.Json.GetProperty("id").GetGuid(), Is.EqualTo(ProductIds.For(cli.Source, cli.Id)));
    }
}
