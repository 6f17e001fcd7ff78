using System.Net;
using System.Text.Json;
using Inference.Contracts;

namespace Inference.Tests.Gateway.Live;

/// <summary>
/// <c>POST /v1/products/{id}/retry</c> and <c>POST /v1/products/retry</c> on the real pipeline: a Faulted product is sent to run
/// again from the stage that failed and its attempt is counted; a product that is not Faulted, or unknown, is refused with why.
/// (The product faults at the store because a check constraint refuses its text, so it faults again when retried, and each
/// retry shows as one more attempt.)
/// </summary>
[Category("Integration")]
public sealed class When_faulted_products_are_retried_over_http
{
    readonly Guid _faulted = Guid.NewGuid();
    readonly Guid _completed = Guid.NewGuid();
    Answer _one = null!;
    Answer _dryRun = null!;
    Answer _byFilter = null!;
    JsonElement _afterTwoRetries;

    HttpClient Client => LivePipeline.Client;

    [OneTimeSetUp]
    public async Task RetryAsync()
    {
        var before = DateTimeOffset.UtcNow;
        await LivePipeline.RefuseMarkedTextsAsync();
        await LivePipeline.Pipeline.Bus.Publish(new ProductTextReceived(_faulted, "retry", null, $"Koss EQ50 equalizer {LivePipeline.RefusedMarker}", DateTimeOffset.UtcNow));
        var posted = await Http.PostAsync(Client, $$"""{"id":"{{_completed}}","source":"retry","text":"Koss EQ50 3-band equalizer"}""");
        Assert.That(posted.Status, Is.EqualTo(HttpStatusCode.Accepted), posted.ToString());
        Assert.That((await Http.UntilFinishedAsync(Client, _faulted)).GetProperty("state").GetString(), Is.EqualTo("Faulted"));
        await Http.UntilFinishedAsync(Client, _completed);

        _one = await PostAsync($"v1/products/{_faulted}/retry");
        await UntilAttemptAsync(2);
        var filter = JsonSerializer.Serialize(new { stage = "store", reason = "refuses_marked_text", faultedAfter = before, dryRun = true });
        _dryRun = await PostAsync("v1/products/retry", filter);
        _byFilter = await PostAsync("v1/products/retry", filter.Replace("\"dryRun\":true", "\"dryRun\":false"));
        _afterTwoRetries = await UntilAttemptAsync(3);
    }

    static Task<Answer> PostAsync(string path, string body = "{}") =>
        Http.PostAsync(LivePipeline.Client, body, path: path);

    async Task<JsonElement> UntilAttemptAsync(int attempt)
    {
        JsonElement state = default;
        await Http.UntilAsync(async () =>
        {
            state = (await Http.GetAsync(Client, $"v1/products/{_faulted}")).Json;
            return state.GetProperty("state").GetString() == "Faulted" && state.GetProperty("attempt").GetInt32() == attempt;
        }, $"attempt {attempt} to fault again");
        return state;
    }

    [Test]
    public void Should_accept_the_retry_of_a_faulted_product_saying_where_it_runs_from()
    {
        Assert.That(_one.Status, Is.EqualTo(HttpStatusCode.Accepted), _one.ToString());
        Assert.That(_one.Header("Location"), Is.EqualTo($"/v1/products/{_faulted}"));
        Assert.That(_one.Json.GetProperty("fromStage").GetString(), Is.EqualTo("store"));
        Assert.That(_one.Json.GetProperty("attempt").GetInt32(), Is.EqualTo(2));
    }

    [Test]
    public void Should_count_every_attempt_in_the_product_s_state()
    {
        Assert.That(_afterTwoRetries.GetProperty("attempt").GetInt32(), Is.EqualTo(3));
        Assert.That(_afterTwoRetries.GetProperty("fault").GetProperty("stage").GetString(), Is.EqualTo("store"));
    }

    [Test]
    public void Should_list_without_retrying_on_a_dry_run_and_retry_by_filter()
    {
        Assert.That(_dryRun.Status, Is.EqualTo(HttpStatusCode.Accepted), _dryRun.ToString());
        Assert.That(_dryRun.Json.GetProperty("dryRun").GetBoolean(), Is.True);
        Assert.That(_dryRun.Json.GetProperty("products").EnumerateArray().Select(p => p.GetProperty("id").GetGuid()), Does.Contain(_faulted));
        Assert.That(_byFilter.Status, Is.EqualTo(HttpStatusCode.Accepted), _byFilter.ToString());
        Assert.That(_byFilter.Json.GetProperty("products").EnumerateArray().Single(p => p.GetProperty("id").GetGuid() == _faulted)
            .GetProperty("attempt").GetInt32(), Is.EqualTo(3));
    }

    [Test]
    public async Task Should_refuse_to_retry_a_product_that_is_not_faulted()
    {
        var answer = await PostAsync($"v1/products/{_completed}/retry");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.Conflict), answer.ToString());
        Assert.That(answer.Json.GetProperty("detail").GetString(), Does.Contain("Completed"));
    }

    [Test]
    public async Task Should_answer_404_for_an_unknown_product_and_400_for_a_bad_filter()
    {
        Assert.That((await PostAsync($"v1/products/{Guid.NewGuid()}/retry")).Status, Is.EqualTo(HttpStatusCode.NotFound));
        var bad = await PostAsync("v1/products/retry", """{"stage":"paint","limit":0}""");
        Assert.That(bad.Status, Is.EqualTo(HttpStatusCode.BadRequest), bad.ToString());
        Assert.That(bad.ErrorsFor("stage"), Has.Length.EqualTo(1));
        Assert.That(bad.ErrorsFor("limit"), Has.Length.EqualTo(1));
    }

    [Test]
    public async Task Should_need_a_key() =>
        Assert.That((await Http.PostAsync(Client, "{}", key: null, path: $"v1/products/{_faulted}/retry")).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
}
