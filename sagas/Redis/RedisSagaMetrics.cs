using System.Diagnostics.Metrics;

namespace Inference.Sagas.Redis;

/// <summary>The Redis saga repository's counters, so contention on a saga is visible before it turns into retries exhausted.</summary>
public static class RedisSagaMetrics
{
    public const string MeterName = "Inference.Sagas.Redis";
    public const string ConflictsName = "inference.saga.conflicts";
    public const string UnchangedSkipsName = "inference.saga.unchanged_skips";

    static readonly Meter Meter = new(MeterName);

    /// <summary>Writes refused because another message changed, created or removed the saga first; each one is a retried message.</summary>
    public static readonly Counter<long> Conflicts = Meter.CreateCounter<long>(
        ConflictsName, "{conflict}", "Saga writes refused because another message wrote the saga first");

    /// <summary>Updates skipped because the message left the saga as it was (a duplicate the state machine ignored).</summary>
    public static readonly Counter<long> UnchangedSkips = Meter.CreateCounter<long>(
        UnchangedSkipsName, "{update}", "Saga updates not written because the state did not change");
}
