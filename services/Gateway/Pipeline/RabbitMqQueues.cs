using System.Text.Json;
using System.Text.Json.Serialization;
using Inference.Contracts;
using Inference.Hosting;
using Microsoft.Extensions.Options;

namespace Inference.Gateway.Pipeline;

/// <summary>The pipeline's queues (depth, unacknowledged, consumers) from the RabbitMQ management API, asked at most once a second.</summary>
public sealed class RabbitMqQueues(HttpClient http, IOptions<TransportOptions> transport, TimeProvider clock, ILogger<RabbitMqQueues> logger)
{
    static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);
    const string Columns = "name,messages_ready,messages_unacknowledged,consumers," +
                           "message_stats.publish_details.rate,message_stats.deliver_get_details.rate";

    readonly SemaphoreSlim _gate = new(1, 1);
    QueueReport? _last;
    DateTimeOffset _lastAt;

    /// <summary>The pipeline's queues, or why they cannot be shown; never throws for an unreachable broker.</summary>
    public async Task<QueueReport> GetAsync(CancellationToken cancellationToken)
    {
        var options = transport.Value;
        if (options.Kind != TransportKind.RabbitMq)
            return QueueReport.Unavailable($"The transport is {options.Kind}: there is no broker to ask for queue depths.");
        if (options.RabbitMq.ManagementUri is null)
            return QueueReport.Unavailable("Transport:RabbitMq:ManagementUri is not set: queue depths come from the RabbitMQ management API.");

        // Many dashboards polling at once make one call a second to the broker, not one each.
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_last is not null && clock.GetUtcNow() - _lastAt < Freshness) return _last;
            _last = await FetchAsync(options.RabbitMq, cancellationToken);
            _lastAt = clock.GetUtcNow();
            return _last;
        }
        finally
        {
            _gate.Release();
        }
    }

    async Task<QueueReport> FetchAsync(RabbitMqOptions rabbit, CancellationToken cancellationToken)
    {
        var (queues, problem) = await AskAsync<List<ManagementQueue>>(rabbit, $"api/queues/{Uri.EscapeDataString(rabbit.VirtualHost)}?columns={Columns}", cancellationToken);
        if (queues is null) return QueueReport.Unavailable(problem!);
        var rows = queues
            .Where(q => PipelineQueue.Rank(q.Name) is not null)
            .OrderBy(q => PipelineQueue.Rank(q.Name), StringComparer.Ordinal)
            .Select(q => new QueueRow(q.Name, q.MessagesReady, q.MessagesUnacknowledged, q.Consumers,
                q.MessageStats?.PublishDetails?.Rate, q.MessageStats?.DeliverGetDetails?.Rate))
            .ToArray();
        return new QueueReport(true, null, rows);
    }

    /// <summary>Who consumes each pipeline queue: every consumer the broker knows, with its connection and prefetch; never throws for an unreachable broker.</summary>
    public async Task<ConsumerReport> ConsumersAsync(CancellationToken cancellationToken)
    {
        var options = transport.Value;
        if (options.Kind != TransportKind.RabbitMq || options.RabbitMq.ManagementUri is null)
            return new ConsumerReport(false, (await GetAsync(cancellationToken)).Reason, []);
        var (consumers, problem) = await AskAsync<List<ManagementConsumer>>(options.RabbitMq, $"api/consumers/{Uri.EscapeDataString(options.RabbitMq.VirtualHost)}", cancellationToken);
        if (consumers is null) return new ConsumerReport(false, problem, []);
        var queues = consumers
            .Where(c => c.Queue?.Name is { } name && PipelineQueue.Rank(name) is not null)
            .GroupBy(c => c.Queue!.Name)
            .OrderBy(g => PipelineQueue.Rank(g.Key), StringComparer.Ordinal)
            .Select(g => new QueueConsumers(g.Key, g
                .Select(c => new ConsumerRow(c.ChannelDetails?.ConnectionName ?? "", c.ChannelDetails?.PeerHost, c.ConsumerTag, c.PrefetchCount, c.Active ?? true))
                .OrderBy(c => c.Connection, StringComparer.Ordinal).ToArray()))
            .ToArray();
        return new ConsumerReport(true, null, queues);
    }

    /// <summary>One GET of the management API, read as JSON; null and why when the broker did not answer well.</summary>
    async Task<(T? Answer, string? Problem)> AskAsync<T>(RabbitMqOptions rabbit, string path, CancellationToken cancellationToken) where T : class
    {
        var uri = new Uri(rabbit.ManagementUri!, path);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Authorization = rabbit.ManagementAuthorization();
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
                return (null, $"The RabbitMQ management API answered {(int)response.StatusCode} {response.ReasonPhrase} for virtual host '{rabbit.VirtualHost}'.");
            return (await response.Content.ReadFromJsonAsync<T>(cancellationToken), null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "The RabbitMQ management API at {Uri} did not answer", uri.GetLeftPart(UriPartial.Authority));
            return (null, $"The RabbitMQ management API did not answer: {e.Message}");
        }
    }

    sealed record ManagementQueue(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("messages_ready")] long MessagesReady,
        [property: JsonPropertyName("messages_unacknowledged")] long MessagesUnacknowledged,
        [property: JsonPropertyName("consumers")] int Consumers,
        [property: JsonPropertyName("message_stats")] ManagementStats? MessageStats);

    sealed record ManagementStats(
        [property: JsonPropertyName("publish_details")] ManagementRate? PublishDetails,
        [property: JsonPropertyName("deliver_get_details")] ManagementRate? DeliverGetDetails);

    sealed record ManagementRate([property: JsonPropertyName("rate")] double Rate);

    sealed record ManagementConsumer(
        [property: JsonPropertyName("queue")] ManagementName? Queue,
        [property: JsonPropertyName("consumer_tag")] string ConsumerTag,
        [property: JsonPropertyName("prefetch_count")] int PrefetchCount,
        [property: JsonPropertyName("active")] bool? Active,
        [property: JsonPropertyName("channel_details")] ManagementChannel? ChannelDetails);

    sealed record ManagementName([property: JsonPropertyName("name")] string Name);

    sealed record ManagementChannel(
        [property: JsonPropertyName("connection_name")] string? ConnectionName,
        [property: JsonPropertyName("peer_host")] string? PeerHost);
}

/// <summary>Which queues belong to the pipeline, and their order on the dashboard: stage order, each queue before its <c>_error</c>.</summary>
public static class PipelineQueue
{
    // Longest first, so "classify_error" is classify's error queue and not a queue of its own.
    static readonly string[] Suffixes = ["_skipped", "_error", ""];

    /// <summary>A sort key for a pipeline queue; null for any other queue (the gateways' own, for one).</summary>
    public static string? Rank(string name)
    {
        foreach (var suffix in Suffixes)
        {
            if (!name.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var queue = name[..^suffix.Length];
            int? stage = queue switch
            {
                QueueNames.Classify or QueueNames.ClassifyDeep => 1,
                _ when queue.StartsWith(QueueNames.Extract(""), StringComparison.Ordinal) && queue.Length > QueueNames.Extract("").Length => 2,
                QueueNames.Validate => 3,
                QueueNames.Store => 4,
                QueueNames.ProductState => 5,
                _ => null,
            };
            if (stage is not null) return $"{stage}:{queue}:{suffix}";
        }

        return null;
    }
}

/// <summary>The pipeline's queues, or why there are none to show.</summary>
public sealed record QueueReport(bool Available, string? Reason, IReadOnlyList<QueueRow> Items)
{
    public static QueueReport Unavailable(string reason) => new(false, reason, []);
}

/// <summary>One queue: messages waiting, messages being handled, consumers listening, and the broker's rates when it has them.</summary>
public sealed record QueueRow(string Name, long Ready, long Unacknowledged, int Consumers, double? PublishRate, double? DeliverRate);

/// <summary>The consumers of each pipeline queue (queues without one are not listed), or why there are none to show.</summary>
public sealed record ConsumerReport(bool Available, string? Reason, IReadOnlyList<QueueConsumers> Queues);

/// <summary>One queue's consumers.</summary>
public sealed record QueueConsumers(string Queue, IReadOnlyList<ConsumerRow> Consumers);

/// <summary>
/// One consumer: its connection as the broker names it (client address and port, and the name the client gave, MassTransit's being
/// the host and process), the client's host, the consumer tag, how many unacknowledged messages it may hold, and whether it is active.
/// </summary>
public sealed record ConsumerRow(string Connection, string? Host, string Tag, int Prefetch, bool Active);
