using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Inference.Hosting;
using Microsoft.Extensions.Options;

namespace Inference.Gateway.Pipeline;

/// <summary>
/// The newest messages of each pipeline <c>_error</c> and <c>_skipped</c> queue, with why they are there (MassTransit's fault
/// headers), read through the RabbitMQ management API at most every few seconds.
/// </summary>
/// <remarks>
/// A queue can only be read from its head, so the peek takes up to <see cref="PeekLimit"/> messages with the ack mode
/// <c>ack_requeue_true</c>: the broker hands them over and puts each back at its own place, so nothing is consumed, lost or
/// reordered (no consumer reads these queues; the only trace is the redelivered flag). Of the messages taken, the newest
/// <c>Gateway:DeadLetters</c> are shown; a queue deeper than the peek shows the newest of its first <see cref="PeekLimit"/>.
/// </remarks>
public sealed partial class DeadLetterQueues(HttpClient http, IOptions<TransportOptions> transport, IOptions<GatewayOptions> options,
    TimeProvider clock, ILogger<DeadLetterQueues> logger)
{
    public const int PeekLimit = 200;

    /// <summary>Only the start of each payload is read: enough for its ids and types, never a whole 64 KiB text.</summary>
    const int PayloadBytes = 2_000;

    static readonly TimeSpan Freshness = TimeSpan.FromSeconds(5);

    readonly SemaphoreSlim _gate = new(1, 1);
    readonly Dictionary<string, (long Messages, DeadLetterQueue Queue)> _last = [];
    DateTimeOffset _lastAt;

    /// <summary>The dead-letter queues among <paramref name="queues"/> that hold messages, each with its newest messages.</summary>
    public async Task<IReadOnlyList<DeadLetterQueue>> GetAsync(QueueReport queues, CancellationToken cancellationToken)
    {
        var shown = options.Value.DeadLetters;
        var rabbit = transport.Value.RabbitMq;
        var holding = queues.Items.Where(q => IsDeadLetterQueue(q.Name) && q.Ready > 0).ToArray();
        if (!queues.Available || shown == 0 || holding.Length == 0) return [];

        await _gate.WaitAsync(cancellationToken);
        try
        {
            // A queue whose depth has not changed holds the same messages: peek again only when it did, or after a while.
            var stale = clock.GetUtcNow() - _lastAt >= Freshness;
            var result = new List<DeadLetterQueue>(holding.Length);
            foreach (var queue in holding)
            {
                if (stale || !_last.TryGetValue(queue.Name, out var last) || last.Messages != queue.Ready)
                    _last[queue.Name] = (queue.Ready, await PeekAsync(rabbit, queue, shown, cancellationToken));
                result.Add(_last[queue.Name].Queue);
            }

            foreach (var gone in _last.Keys.Except(holding.Select(q => q.Name)).ToArray()) _last.Remove(gone);
            if (stale) _lastAt = clock.GetUtcNow();
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    public static bool IsDeadLetterQueue(string name) =>
        name.EndsWith("_error", StringComparison.Ordinal) || name.EndsWith("_skipped", StringComparison.Ordinal);

    async Task<DeadLetterQueue> PeekAsync(RabbitMqOptions rabbit, QueueRow queue, int shown, CancellationToken cancellationToken)
    {
        var uri = new Uri(rabbit.ManagementUri!, $"api/queues/{Uri.EscapeDataString(rabbit.VirtualHost)}/{Uri.EscapeDataString(queue.Name)}/get");
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, uri);
            request.Headers.Authorization = rabbit.ManagementAuthorization();
            request.Content = JsonContent.Create(new
            {
                count = (int)Math.Min(queue.Ready, PeekLimit),
                ackmode = "ack_requeue_true",
                encoding = "auto",
                truncate = PayloadBytes,
            });
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
                return new DeadLetterQueue(queue.Name, queue.Ready, [], $"The RabbitMQ management API answered {(int)response.StatusCode} {response.ReasonPhrase}.");

            var messages = await response.Content.ReadFromJsonAsync<List<ManagementMessage>>(cancellationToken) ?? [];
            var newest = messages.AsEnumerable().Reverse().Take(shown).Select(m => Read(queue.Name, m)).ToArray();
            var note = queue.Ready > PeekLimit ? $"The newest of the first {PeekLimit} of {queue.Ready:N0} messages (a queue is read from its head)." : null;
            return new DeadLetterQueue(queue.Name, queue.Ready, newest, note);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "The RabbitMQ management API at {Uri} did not hand over the messages of {Queue}", uri.GetLeftPart(UriPartial.Authority), queue.Name);
            return new DeadLetterQueue(queue.Name, queue.Ready, [], $"The RabbitMQ management API did not answer: {e.Message}");
        }
    }

    static DeadLetter Read(string queue, ManagementMessage message)
    {
        var headers = message.Properties?.Headers ?? [];
        string? Header(string name) => headers.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        var payload = message.PayloadEncoding == "string" ? message.Payload ?? "" : "";
        var types = MessageTypes().Matches(payload).Select(m => m.Groups[1].Value).Distinct().ToArray();
        var exceptionType = Header("MT-Fault-ExceptionType");
        var faultMessage = Header("MT-Fault-Message");
        var reason = exceptionType is not null || faultMessage is not null
            ? $"{ShortTypeName(exceptionType)}: {faultMessage}"
            : queue.EndsWith("_skipped", StringComparison.Ordinal)
                ? $"No consumer of {queue[..^"_skipped".Length]} takes a message of type {(types.Length == 0 ? "(none given)" : string.Join(", ", types))}."
                : Header("MT-Reason") ?? "(no reason given)";

        return new DeadLetter(
            message.Properties?.MessageId ?? (MessageId().Match(payload) is { Success: true } id ? id.Groups[1].Value : null),
            ProductId().Match(payload) is { Success: true } product && Guid.TryParse(product.Groups[1].Value, out var productId) ? productId : null,
            types,
            message.Properties?.ContentType,
            reason,
            exceptionType,
            DateTimeOffset.TryParse(Header("MT-Fault-Timestamp"), out var at) ? at : null,
            message.PayloadBytes);
    }

    static string ShortTypeName(string? typeName) =>
        string.IsNullOrEmpty(typeName) ? "Fault" : typeName[(typeName.LastIndexOf('.') + 1)..];

    [GeneratedRegex("\"urn:message:([^\"]+)\"")]
    private static partial Regex MessageTypes();

    [GeneratedRegex("\"messageId\"\\s*:\\s*\"([^\"]+)\"", RegexOptions.IgnoreCase)]
    private static partial Regex MessageId();

    [GeneratedRegex("\"productId\"\\s*:\\s*\"([0-9a-fA-F-]{32,36})\"", RegexOptions.IgnoreCase)]
    private static partial Regex ProductId();

    sealed record ManagementMessage(
        [property: JsonPropertyName("payload")] string? Payload,
        [property: JsonPropertyName("payload_encoding")] string? PayloadEncoding,
        [property: JsonPropertyName("payload_bytes")] long PayloadBytes,
        [property: JsonPropertyName("properties")] ManagementProperties? Properties);

    sealed record ManagementProperties(
        [property: JsonPropertyName("message_id")] string? MessageId,
        [property: JsonPropertyName("content_type")] string? ContentType,
        [property: JsonPropertyName("headers")] Dictionary<string, JsonElement>? Headers);
}

/// <summary>A pipeline queue's <c>_error</c> or <c>_skipped</c> queue: how many messages wait there, and the newest of them.</summary>
/// <param name="Note">Why fewer messages are shown than the queue holds, or why none could be read.</param>
public sealed record DeadLetterQueue(string Queue, long Messages, IReadOnlyList<DeadLetter> Newest, string? Note = null);

/// <summary>One message kept in a dead-letter queue and why: the fault's exception for <c>_error</c>, the unhandled type for <c>_skipped</c>.</summary>
/// <param name="MessageTypes">The message types its envelope names (none for raw JSON).</param>
/// <param name="At">When it faulted, from its fault headers.</param>
public sealed record DeadLetter(
    string? MessageId,
    Guid? ProductId,
    IReadOnlyList<string> MessageTypes,
    string? ContentType,
    string Reason,
    string? ExceptionType,
    DateTimeOffset? At,
    long Bytes);
