using System.Diagnostics.Metrics;

namespace Inference.Gateway.Pipeline;

/// <summary>
/// The pipeline's queues as gauges, from the RabbitMQ management API at each scrape: messages ready and unacknowledged, and
/// consumers, per queue (<c>_error</c> and <c>_skipped</c> queues included). What the alerts on queues and the dashboards'
/// queue charts read; every Gateway serves the same figures, so aggregate with <c>max by (messaging_destination_name)</c>.
/// </summary>
public sealed class QueueGauges : IDisposable
{
    public const string MeterName = "Inference.Queues";
    public const string MessagesName = "inference.queue.messages";
    public const string ConsumersName = "inference.queue.consumers";
    const string QueueTag = "messaging.destination.name";
    static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(3);

    readonly Meter _meter;
    readonly IServiceProvider _services;
    (long At, IReadOnlyList<QueueRow> Rows) _last = (0, []);

    public QueueGauges(IMeterFactory meters, IServiceProvider services)
    {
        _services = services;
        _meter = meters.Create(MeterName);
        _meter.CreateObservableGauge(MessagesName, () => Read().SelectMany(q => new[]
        {
            new Measurement<long>(q.Ready, new(QueueTag, q.Name), new("state", "ready")),
            new Measurement<long>(q.Unacknowledged, new(QueueTag, q.Name), new("state", "unacknowledged")),
        }), "{message}", "Messages in a pipeline queue, ready or delivered and not yet acknowledged");
        _meter.CreateObservableGauge(ConsumersName, () => Read().Select(q =>
            new Measurement<int>(q.Consumers, new KeyValuePair<string, object?>(QueueTag, q.Name))), "{consumer}", "Consumers listening on a pipeline queue");
    }

    /// <summary>One question to the broker per scrape (both gauges read the same answer).</summary>
    IReadOnlyList<QueueRow> Read()
    {
        var last = _last;
        if (Environment.TickCount64 - last.At < 1_000) return last.Rows;

        // RabbitMQ's typed HTTP client is transient: one per question.
        var report = _services.GetRequiredService<RabbitMqQueues>().GetAsync(CancellationToken.None);
        IReadOnlyList<QueueRow> rows;
        try
        {
            rows = report.Wait(ReadTimeout) && report.Result.Available ? report.Result.Items : [];
        }
        catch (AggregateException)
        {
            rows = [];
        }

        _last = (Environment.TickCount64, rows);
        return rows;
    }

    public void Dispose() => _meter.Dispose();
}
