using Inference.Sagas;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Inference.Gateway.Pipeline;

/// <summary>
/// The pipeline's figures as every gateway replica shows them, read from shared state only: the stages over the last minute and
/// the runs ended from the history's samples, the latest faults from the saga store's faulted index.
/// </summary>
public sealed class PipelineFigures(
    IPipelineHistory history,
    IFaultedProducts faulted,
    ILoadSagaRepository<ProductState> sagas,
    PipelineSampler sampler,
    IOptions<GatewayOptions> options,
    TimeProvider clock)
{
    /// <summary>The span of the stage table.</summary>
    public static readonly TimeSpan LastMinute = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Each stage over the minute up to the newest sample (merged from the samples of that minute; none when the newest is older than
    /// a minute: no gateway samples), and the runs ended since the history began. Anchored on the samples, not on this gateway's
    /// clock, so every replica that reads the same samples answers the same.
    /// </summary>
    public async Task<(IReadOnlyList<StageRow> Stages, HistoryTotals Totals, HistoryStatus Status)> StagesAsync()
    {
        var settings = options.Value.History;
        var window = LastMinute;
        IReadOnlyList<PipelineSample> newest;
        HistoryTotals totals;
        try
        {
            (newest, totals) = await history.Newest((int)Math.Ceiling(window / settings.SampleEvery) + 1);
        }
        catch (Exception e) when (DependencyOutages.ServerOf(e) is { } server)
        {
            // The queues and kept messages come from the broker: still worth showing while the history cannot be read.
            return (PipelineTally.Rows.Select(row => new StageRow(row, StageSample.Empty.Snapshot(0))).ToArray(), HistoryTotals.None,
                Status(null) with { Unavailable = $"{server} is unavailable ({e.GetBaseException().Message}): no stage figures until it is back." });
        }

        var samples = newest.Count > 0 && newest[^1].Last >= clock.GetUtcNow() - window
            ? newest.Where(s => s.First > newest[^1].Last - window).ToArray()
            : [];
        var seconds = samples.Sum(s => s.Seconds);
        var stages = PipelineTally.Rows
            .Select(row => new StageRow(row, StageSample.Merge(samples.Select(s => s.Stages.GetValueOrDefault(row) ?? StageSample.Empty)).Snapshot(seconds)))
            .ToArray();
        return (stages, totals, Status(totals.Last));
    }

    /// <summary>Every sample of the kept span up to the newest, oldest first, as the charts draw them.</summary>
    public async Task<PipelineHistoryView> HistoryAsync()
    {
        var settings = options.Value.History;
        var (newest, _) = await history.Newest(settings.SamplesKept);
        var samples = newest.Where(s => s.Last > newest[^1].Last - settings.Keep).ToArray();
        var points = samples.Select(s => new HistoryPoint(
            s.Last + TimeSpan.FromSeconds(1),
            s.Seconds,
            s.Stages.GetValueOrDefault("received")?.Count ?? 0,
            s.Completed,
            s.Faulted,
            Math.Round(s.Completed / (double)s.Seconds, 2),
            s.Queues,
            s.Waiting,
            s.InFlight,
            s.Stages.ToDictionary(p => p.Key, p => HistoryStage.Of(p.Value)))).ToArray();
        return new PipelineHistoryView(clock.GetUtcNow(), (int)settings.SampleEvery.TotalSeconds, (int)settings.Keep.TotalSeconds,
            Status(samples.LastOrDefault()?.Last), points);
    }

    /// <summary>The products that faulted last, newest first, with their stage and reason as the saga keeps them (a retried one is no longer there).</summary>
    public async Task<IReadOnlyList<FaultSnapshot>> LatestFaultsAsync()
    {
        var faults = new List<FaultSnapshot>();
        try
        {
            foreach (var id in await faulted.Latest(options.Value.RecentFaults))
                if (await sagas.Load(id) is { } saga && saga.FaultedAt is { } at)
                    faults.Add(new FaultSnapshot(id, saga.FaultStage ?? "unknown", saga.FaultReason ?? "", at));
        }
        catch (Exception e) when (DependencyOutages.ServerOf(e) is not null)
        {
            // Said by the history's status, read from the same server.
        }

        return faults;
    }

    HistoryStatus Status(DateTimeOffset? last) =>
        new(history.Shared, last is { } l ? l + TimeSpan.FromSeconds(1) : null, (int)options.Value.History.SampleEvery.TotalSeconds,
            sampler.Leads);
}

/// <summary>One row of the stage table: events of that kind over the last minute.</summary>
public sealed record StageRow(string Stage, StageSnapshot LastMinute);

/// <summary>Products in flight now (the saga store's count), and the runs Completed and Faulted since <paramref name="Since"/> (the first sample kept).</summary>
public sealed record StateCounts(DateTimeOffset? Since, IReadOnlyList<StateCount> Counts)
{
    public string Note => "In flight: products now in a stage, in the whole pipeline. Completed and Faulted: runs that ended so since the history " +
                          "began (a product retried after a fault counts in both; each revision is a run), the same on every gateway.";
}

/// <summary>A count; null when it cannot be known now.</summary>
public sealed record StateCount(string State, long? Count);

/// <summary>One of the latest faults: which product, which stage, why.</summary>
public sealed record FaultSnapshot(Guid ProductId, string Stage, string Reason, DateTimeOffset FaultedAt);

/// <summary>Where the figures come from and how fresh they are; <paramref name="ThisGatewaySamples"/> is this gateway's own.</summary>
/// <param name="Shared">Kept in Redis for every gateway (false: in this process's memory, the saga repository being in memory).</param>
/// <param name="SampledUntil">The end of the newest sample: stages and totals are as of then.</param>
/// <param name="ThisGatewaySamples">Whether this gateway held the sampler's lease at its last try.</param>
/// <param name="Unavailable">Why the stages, totals and faults are missing now (their server is down); null when they are shown.</param>
public sealed record HistoryStatus(bool Shared, DateTimeOffset? SampledUntil, int SampleSeconds, bool ThisGatewaySamples,
    string? Unavailable = null);

/// <summary>The samples of the last <c>Gateway:History:Keep</c>, oldest first.</summary>
public sealed record PipelineHistoryView(DateTimeOffset GeneratedAt, int SampleSeconds, int KeepSeconds, HistoryStatus Status, IReadOnlyList<HistoryPoint> Points);

/// <summary>
/// One sample: at its end (<paramref name="At"/>), over <paramref name="Seconds"/>: products received, runs completed and faulted,
/// completions per second; the queues (null: the broker could not be asked), the products waiting per stage and in flight (null:
/// the saga store could not be asked), and each stage's events with their p50 and p95 latency in milliseconds.
/// </summary>
public sealed record HistoryPoint(
    DateTimeOffset At,
    int Seconds,
    long Received,
    long Completed,
    long Faulted,
    double CompletedPerSecond,
    IReadOnlyList<QueueSample>? Queues,
    IReadOnlyDictionary<string, long>? Waiting,
    long? InFlight,
    IReadOnlyDictionary<string, HistoryStage> Stages);

/// <summary>A stage in one sample: events, and their latency percentiles in milliseconds (null when none was measured).</summary>
public sealed record HistoryStage(long Count, double? P50, double? P95)
{
    /// <summary>The stage's events and percentiles, its latencies read once.</summary>
    public static HistoryStage Of(StageSample stage) =>
        stage.Latency() is { } latency ? new(stage.Count, latency.P50, latency.P95) : new(stage.Count, null, null);
}
