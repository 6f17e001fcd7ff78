using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Inference.Tests.Gateway.Live;

/// <summary>Requests as curl would send them (a body as written, headers as given) and what came back.</summary>
public static class Http
{
    public static Task<Answer> PostAsync(HttpClient client, string body, string? key = GatewayFactory.Key, string contentType = "application/json",
        string path = "v1/products", IReadOnlyDictionary<string, string>? headers = null) =>
        PostAsync(client, Encoding.UTF8.GetBytes(body), key, contentType, path, headers);

    /// <summary>A body as bytes, for bodies no string can hold (bytes that are not UTF-8).</summary>
    public static async Task<Answer> PostAsync(HttpClient client, byte[] body, string? key = GatewayFactory.Key, string contentType = "application/json",
        string path = "v1/products", IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Headers.Add(name, value);
        return await SendAsync(client, request);
    }

    public static async Task<Answer> GetAsync(HttpClient client, string path, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        return await SendAsync(client, request);
    }

    /// <summary>Reads a product until it is Completed or Faulted.</summary>
    public static async Task<JsonElement> UntilFinishedAsync(HttpClient client, Guid id, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        Answer answer;
        do
        {
            answer = await GetAsync(client, $"v1/products/{id}");
            if (answer.Status == HttpStatusCode.OK && answer.Json.GetProperty("state").GetString() is "Completed" or "Faulted")
                return answer.Json;
            await Task.Delay(100);
        } while (DateTime.UtcNow < deadline);

        throw new AssertionException($"product {id} did not finish in time; last answer {(int)answer.Status}: {answer.Body}");
    }

    /// <summary>Waits until the gateway is ready (its bus started, so its event endpoint hears from now on).</summary>
    public static Task UntilReadyAsync(HttpClient client) =>
        UntilAsync(async () => (await GetAsync(client, "health/ready")).Status == HttpStatusCode.OK, "the gateway to be ready");

    /// <summary>Polls a condition (for what the broker's management statistics show a few seconds late).</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new AssertionException($"timed out waiting for {what}");
            await Task.Delay(200);
        }
    }

    static async Task<Answer> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var headers = response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
        return new Answer(response.StatusCode, body, headers);
    }
}

/// <summary>One response: its status, its body as text and as JSON, its headers.</summary>
public sealed record Answer(HttpStatusCode Status, string Body, IReadOnlyDictionary<string, string> Headers)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>The messages a problem gives for one key of its <c>errors</c>.</summary>
    public string[] ErrorsFor(string key) =>
        Json.TryGetProperty("errors", out var errors) && errors.TryGetProperty(key, out var messages)
            ? messages.EnumerateArray().Select(m => m.GetString()!).ToArray()
            : [];

    public override string ToString() => $"{(int)Status} {Body}";
}
