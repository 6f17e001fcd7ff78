namespace Inference.Hosting;

/// <summary>Per-queue consumption settings, by queue name, with defaults for queues not named.</summary>
public sealed class QueueOptions
{
    public const string Section = "Queues";

    public QueueSettings Default { get; set; } = new();

    /// <summary>Queue name (<c>classify</c>, <c>extract-generic</c>, ...) → its own settings.</summary>
    public Dictionary<string, QueueSettings> Overrides { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public QueueSettings For(string queue) => Overrides.TryGetValue(queue, out var settings) ? settings : Default;
}

/// <summary>How one queue is consumed.</summary>
public sealed class QueueSettings
{
    /// <summary>Messages the broker hands over ahead of processing.</summary>
    public int PrefetchCount { get; set; } = 64;

    /// <summary>Messages handled at once by one process; at least the batch size, or batches cannot fill.</summary>
    public int ConcurrencyLimit { get; set; } = 32;

    /// <summary>Redelivery attempts inside the consumer before the message goes to the <c>_error</c> queue.</summary>
    public int RetryLimit { get; set; } = 3;

    /// <summary>Retries of a message whose server is down (1 s doubling to 30 s: about a minute with the default 6), before it faults.</summary>
    public int OutageRetryLimit { get; set; } = 6;

    /// <summary>First retry interval; each next one doubles.</summary>
    public int RetryIntervalMs { get; set; } = 200;

    /// <summary>Most messages whose work shares one model call or database round trip.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Longest wait for a batch to fill once it has a message; under load batches fill while the last one runs.</summary>
    public double BatchDelayMs { get; set; } = 2;

    public BatchSettings Batch => new(Math.Max(1, BatchSize), TimeSpan.FromMilliseconds(Math.Max(0, BatchDelayMs)));
}
