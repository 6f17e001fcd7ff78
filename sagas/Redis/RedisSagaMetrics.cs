using System.Diagnostics.Metrics;

namespace Inference.Sagas.Redis;

/// <summary>The Redis saga repository's counters, so contention on a saga is visible before it turns into retries exhausted.</summary>
public static class RedisSagaMetrics
{
    public const string MeterName = "Inference.Sagas.Redis";
    public const string ConflictsName = "inference.saga.conflicts";
    public const string UnchangedSkipsName = "inference.saga.unchanged_skips";

    public const string OperationDurationName = "db.client.operation.duration";

    static readonly Meter Meter = new(MeterName);

    static readonly KeyValuePair<string, object?> Redis = new("db.system.name", "redis");

    /// <summary>
    /// Each saga read or write's round trip to Redis, by operation (<c>load</c>, <c>create</c>, <c>update</c>, <c>delete</c>),
    /// named as the semantic conventions name a database client's operations.
    /// </summary>
    public static readonly Histogram<double> OperationDuration = Meter.CreateHistogram<double>(
        OperationDurationName, "s", "Saga store round trips to Redis",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5] });

    /// <summary>Times a saga store operation from <paramref name="started"/> (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public static void RecordOperation(string operation, long started) =>
        OperationDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, Redis, new("db.operation.name", operation));

    /// <summary>Writes refused because another message changed, created or removed the saga first; each one is a retried message.</summary>
    public static readonly Counter<long> Conflicts = Meter.CreateCounter<long>(
        ConflictsName, "{conflict}", "Saga writes refused because another message wrote the saga first");

    /// <summary>Updates skipped because the message left the saga as it was (a duplicate the state machine ignored).</summary>
    public static readonly Counter<long> UnchangedSkips = Meter.CreateCounter<long>(
        UnchangedSkipsName, "{update}", "Saga updates not written because the state did not change");
}
