using System.Net;

namespace Inference.Tests.Gateway.Live;

[Category("Integration")]
public sealed class When_health_and_docs_are_asked_for
{
    HttpClient Client => LivePipeline.Client;

    [Test]
    public async Task Should_answer_live_while_the_process_runs()
    {
        var answer = await Http.GetAsync(Client, "health/live");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.ToString());
        Assert.That(answer.Json.GetProperty("status").GetString(), Is.EqualTo("Healthy"));
    }

    [Test]
    public async Task Should_be_ready_with_the_bus_redis_and_postgres_each_checked_by_name()
    {
        var answer = await Http.GetAsync(Client, "health/ready");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.ToString());
        var checks = answer.Json.GetProperty("checks").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c);
        Assert.That(checks.Keys, Is.EquivalentTo(new[] { "bus", "redis", "postgres" }));
        Assert.That(checks.Values.Select(c => c.GetProperty("status").GetString()), Has.All.EqualTo("Healthy"));
        Assert.That(checks["redis"].GetProperty("description").GetString(), Does.Contain("Redis answered"));
    }

    [Test]
    public async Task Should_serve_prometheus_metrics_of_http_requests_by_route()
    {
        await Http.GetAsync(Client, "health/live");
        var metrics = "";
        // The exporter caches a scrape for a moment; the request above shows up in the next one.
        await Http.UntilAsync(async () =>
        {
            metrics = await Client.GetStringAsync("metrics");
            return metrics.Contains("http_server_request_duration_seconds_count{", StringComparison.Ordinal);
        }, "the HTTP request figures on /metrics");

        Assert.That(metrics, Does.Match("http_server_request_duration_seconds_count\\{[^}]*http_route=\"/health/live\""));
    }

    [Test]
    public async Task Should_serve_the_openapi_document()
    {
        var answer = await Http.GetAsync(Client, "openapi/v1.json");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.ToString());
        var paths = answer.Json.GetProperty("paths");
        Assert.That(paths.EnumerateObject().Select(p => p.Name),
            Is.SupersetOf(new[] { "/v1/products", "/v1/products/{id}", "/v1/products/{id}/record", "/v1/pipeline",
                "/v1/pipeline/history", "/v1/pipeline/consumers" }));
        Assert.That(paths.GetProperty("/v1/products").TryGetProperty("get", out var search), Is.True, "the product search");
        Assert.That(search.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()),
            Is.SupersetOf(new[] { "source", "sourceId", "textPrefix", "limit" }));
        var post = paths.GetProperty("/v1/products").GetProperty("post");
        Assert.That(post.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema")
            .GetProperty("oneOf").GetArrayLength(), Is.EqualTo(2), "one product or a batch");
        Assert.That(post.GetProperty("responses").EnumerateObject().Select(r => r.Name), Is.SupersetOf(new[] { "202", "400", "401", "413", "415" }));
        var scheme = answer.Json.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.That(scheme.GetProperty("name").GetString(), Is.EqualTo("X-Api-Key"));
    }

    [Test]
    public async Task Should_serve_the_api_page_and_its_script_from_the_gateway()
    {
        var page = await Client.GetStringAsync("scalar/");
        Assert.That(page, Does.Contain("scalar.js"));
        Assert.That(page, Does.Not.Contain("cdn."), "no CDN");
        using var script = await Client.GetAsync("scalar/scalar.js");
        Assert.That(script.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await script.Content.ReadAsByteArrayAsync()).Length, Is.GreaterThan(100_000));
    }
}
