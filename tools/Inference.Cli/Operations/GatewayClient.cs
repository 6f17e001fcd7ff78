using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Inference.Cli.Operations;

/// <summary>The Gateway's HTTP API as the operators' commands call it: a deployment's address and one of its API keys.</summary>
public sealed class GatewayClient(Uri gateway, string? apiKey) : IDisposable
{
    public const string AddressVariable = "INFERENCE_GATEWAY";
    public const string KeyVariable = "INFERENCE_API_KEY";

    readonly HttpClient _http = new() { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>The address in <c>INFERENCE_GATEWAY</c>, or the Gateway's development address.</summary>
    public static string DefaultAddress => Environment.GetEnvironmentVariable(AddressVariable) ?? "http://127.0.0.1:5180/";

    public Task<JsonElement> PostAsync(string path, object? body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, body, cancellationToken);

    public Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, path, null, cancellationToken);

    async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null) request.Content = JsonContent.Create(body, options: new JsonSerializerOptions(JsonSerializerDefaults.Web));
        if (!string.IsNullOrEmpty(apiKey)) request.Headers.Add("X-Api-Key", apiKey);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new GatewayException($"the Gateway at {gateway} does not answer ({e.Message}); set --gateway or {AddressVariable}");
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode) return JsonDocument.Parse(text).RootElement.Clone();
            throw new GatewayException(response.StatusCode == HttpStatusCode.Unauthorized
                ? $"the Gateway refused the API key (401); set --api-key or {KeyVariable}"
                : $"{method} {path}: {(int)response.StatusCode} {Describe(text)}");
        }
    }

    /// <summary>A problem's title, detail and field errors, or the body as it came.</summary>
    static string Describe(string body)
    {
        try
        {
            var problem = JsonDocument.Parse(body).RootElement;
            var parts = new List<string>();
            foreach (var name in new[] { "title", "detail" })
                if (problem.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String) parts.Add(value.GetString()!);
            if (problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
                parts.AddRange(errors.EnumerateObject().Select(e => $"{e.Name} {string.Join(" ", e.Value.EnumerateArray().Select(m => m.GetString()))}"));
            return string.Join(": ", parts);
        }
        catch (JsonException)
        {
            return body;
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>The Gateway could not be asked, or refused: the message says what to do.</summary>
public sealed class GatewayException(string message) : Exception(message);
