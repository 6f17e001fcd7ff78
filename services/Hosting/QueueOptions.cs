using Inference.Contracts;

namespace Inference.Hosting;

/// <summary>
/// Per-queue consumption settings, by queue name, with defaults for queues not named. The values here are the pipeline's tuning,
/// the one source every service, <c>inference run</c>, docker-compose.yml and the chart run with; a deployment changes a key
/// (<c>Queues__Overrides__store__BatchSize</c>) and keeps the rest.
/// </summary>
public sealed class QueueOptions
{
    public const string Section = "Queues";

    public QueueSettings Default { get; set; } = new();

    /// <summary>
    /// Queue name (<c>classify</c>, <c>extract-generic</c>, ...) → its own settings. The store batches wider (one upsert of 64
    /// to 128 costs about 76 µs a product, of 32 about 104 µs; 64 rather than 128 keeps its flooded peak 10-15 MB lower, near
    /// 200 MB: bench/results/experiments, <c>store64</c>); the saga's endpoint runs narrower, so two events of one product seldom
    /// meet, and retries its few conflicts quickly.
    /// </summary>
    public Dictionary<string, QueueSettings> Overrides { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        [QueueNames.Store] = new() { BatchSize = 64 },
        [QueueNames.ProductState] = new() { ConcurrencyLimit = 16, RetryLimit = 5, RetryIntervalMs = 20 },
    };

    public QueueSettings For(string queue) => Overrides.TryGetValue(queue, out var settings) ? settings : Default;
}

/// <summary>How one queue is consumed.</summary>
public sealed class QueueSettings
{
    /// <summary>Messages the broker hands over ahead of processing.</summary>
    public int PrefetchCount { get; set; } = 128;

    /// <summary>Messages handled at once by one process; at least the batch size, or batches cannot fill.</summary>
    public int ConcurrencyLimit { get; set; } = 64;

    /// <summary>Redelivery attempts inside the consumer before the message goes to the <c>_error</c> queue.</summary>
    public int RetryLimit { get; set; } = 2;

    /// <summary>Retries of a message whose server is down (1 s doubling to 30 s: about a minute with the default 6), before it faults.</summary>
    public int OutageRetryLimit { get; set; } = 6;

    /// <summary>First retry interval; each next one doubles.</summary>
    public int RetryIntervalMs { get; set; } = 100;

    /// <summary>
    /// Most messages whose work shares one model call or database round trip; also the most products one broker message to this
    /// queue carries (<see cref="ProductBatchSender"/>; 1: each product's message alone).
    /// </summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// Longest wait for a batch to fill once it has a message. None by default: under load a batch fills while the last one runs,
    /// and at a steady load a wait seldom catches a second product but delays every one (at 100/s, 2 ms at each stage and 5 at the
    /// store put the p50 at 51 ms against 21 without, flooded the same throughput: bench/results/experiments, <c>batch-delay</c>).
    /// </summary>
    public double BatchDelayMs { get; set; }

    public BatchSettings Batch => new(Math.Max(1, BatchSize), TimeSpan.FromMilliseconds(Math.Max(0, BatchDelayMs)));
}
