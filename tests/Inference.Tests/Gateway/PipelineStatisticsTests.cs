using Inference.Contracts;
using Inference.Gateway;
using Inference.Gateway.Pipeline;
using Microsoft.Extensions.Options;

namespace Inference.Tests.Gateway;

/// <summary>What the Gateway makes of the pipeline's events: states, latencies, faults, within bounded memory.</summary>
public sealed class PipelineStatisticsTests
{
    static readonly DateTime T0 = new(2026, 11, 23, 12, 0, 0, DateTimeKind.Utc);
    ManualClock _clock = null!;

    [SetUp]
    public void StartClock() => _clock = new ManualClock(T0);

    PipelineStatistics Statistics(int tracked = 100) =>
        new(Options.Create(new GatewayOptions { TrackedProducts = tracked }), _clock);

    /// <summary>Every row over the minute up to now, as the sampler would take it.</summary>
    IReadOnlyDictionary<string, StageSample> LastMinute(PipelineStatistics statistics)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        return statistics.Sample(now.AddSeconds(-(StageWindow.Seconds - 1)), now);
    }

    static ProductCompleted Completed(Guid id, long revision = 1) => new(id, revision, T0);

    [Test]
    public void Should_count_runs_by_the_saga_s_own_end_events()
    {
        var statistics = Statistics();
        var (completed, faulted) = (Guid.NewGuid(), Guid.NewGuid());
        statistics.Received(completed, T0);
        statistics.Received(faulted, T0);
        statistics.Completed(Completed(completed), T0.AddMilliseconds(40));
        statistics.Faulted(new ProductFaulted(faulted, "extract", "boom", T0));

        var minute = LastMinute(statistics);
        Assert.That(minute[PipelineStatistics.Completions].Count, Is.EqualTo(1));
        Assert.That(minute[PipelineStatistics.Faults].Count, Is.EqualTo(1));
        Assert.That(statistics.Followed, Is.Zero, "an ended product is let go");
    }

    [Test]
    public void Should_not_know_the_saga_s_rules_a_stored_product_is_not_complete_until_the_saga_says_so()
    {
        var statistics = Statistics();
        var id = Guid.NewGuid();
        statistics.Received(id, T0);
        statistics.Answered("store", id, T0.AddMilliseconds(10));
        Assert.That(LastMinute(statistics)[PipelineStatistics.Completions].Count, Is.Zero);
        Assert.That(statistics.Followed, Is.EqualTo(1));
    }

    [Test]
    public void Should_count_each_run_once_and_each_revision_as_a_run()
    {
        var statistics = Statistics();
        var id = Guid.NewGuid();
        statistics.Completed(Completed(id), T0);
        statistics.Completed(Completed(id), T0); // published again (a redelivered store answer)
        statistics.Completed(Completed(id, revision: 2), T0);
        var fault = new ProductFaulted(id, "store", "boom", T0);
        statistics.Faulted(fault);
        statistics.Faulted(fault);

        var minute = LastMinute(statistics);
        Assert.That(minute[PipelineStatistics.Completions].Count, Is.EqualTo(2));
        Assert.That(minute[PipelineStatistics.Faults].Count, Is.EqualTo(1));
    }

    [Test]
    public void Should_measure_each_stage_from_the_product_s_previous_event()
    {
        var statistics = Statistics();
        var id = Guid.NewGuid();
        statistics.Received(id, T0);
        statistics.Answered("classify", id, T0.AddMilliseconds(120));
        statistics.Answered("classify-deep", id, T0.AddMilliseconds(140));
        statistics.Answered("extract", id, T0.AddMilliseconds(170));
        statistics.Answered("store", id, T0.AddMilliseconds(400));
        statistics.Completed(Completed(id), T0.AddMilliseconds(410));

        var minute = LastMinute(statistics);
        Assert.That(minute["classify"].Latency()!.Mean, Is.EqualTo(120));
        Assert.That(minute["classify-deep"].Latency()!.Mean, Is.EqualTo(20));
        Assert.That(minute["extract"].Latency()!.Mean, Is.EqualTo(30));
        Assert.That(minute["store"].Latency()!.Mean, Is.EqualTo(230));
        Assert.That(minute["end-to-end"].Latency()!.Mean, Is.EqualTo(410));
        Assert.That(minute["validate"].Count, Is.Zero);
    }

    [Test]
    public void Should_estimate_percentiles_within_ten_percent()
    {
        var statistics = Statistics(tracked: 1_000);
        for (var i = 1; i <= 100; i++)
        {
            var id = Guid.NewGuid();
            statistics.Received(id, T0);
            statistics.Answered("classify", id, T0.AddMilliseconds(i));
        }

        var latency = LastMinute(statistics)["classify"].Latency()!;
        Assert.That(latency.Samples, Is.EqualTo(100));
        Assert.That(latency.P50, Is.EqualTo(50).Within(10).Percent);
        Assert.That(latency.P95, Is.EqualTo(95).Within(10).Percent);
        Assert.That(latency.Max, Is.EqualTo(100));
        Assert.That(latency.Mean, Is.EqualTo(50.5));
    }

    [Test]
    public void Should_merge_samples_of_different_seconds_into_the_figures_of_the_whole()
    {
        var statistics = Statistics(tracked: 1_000);
        for (var i = 1; i <= 100; i++)
        {
            if (i == 41) _clock.Advance(TimeSpan.FromSeconds(3));
            var id = Guid.NewGuid();
            statistics.Received(id, T0);
            statistics.Answered("classify", id, T0.AddMilliseconds(i * 7));
        }

        var now = _clock.GetUtcNow().UtcDateTime;
        var early = statistics.Sample(now.AddSeconds(-10), now.AddSeconds(-1));
        var late = statistics.Sample(now, now);
        Assert.That(early["classify"].Count, Is.EqualTo(40));
        Assert.That(late["classify"].Count, Is.EqualTo(60));
        var merged = StageSample.Merge([early["classify"], late["classify"]]);
        Assert.That(merged.Latency(), Is.EqualTo(LastMinute(statistics)["classify"].Latency()));
        Assert.That(merged.Snapshot(seconds: 4).PerSecond, Is.EqualTo(25));
    }

    [Test]
    public void Should_forget_what_is_older_than_a_minute()
    {
        var statistics = Statistics();
        statistics.Received(Guid.NewGuid(), T0);
        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.That(LastMinute(statistics)["received"].Count, Is.EqualTo(1));
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.That(LastMinute(statistics)["received"].Count, Is.Zero);
    }

    [Test]
    public void Should_time_no_stage_from_an_event_that_comes_back_late()
    {
        var statistics = Statistics();
        var id = Guid.NewGuid();
        statistics.Received(id, T0);
        statistics.Answered("classify", id, T0.AddMilliseconds(100));
        statistics.Answered("classify", id, T0.AddMilliseconds(50)); // an older copy
        statistics.Answered("extract", id, T0.AddMilliseconds(130));

        var minute = LastMinute(statistics);
        Assert.That(minute["classify"].Count, Is.EqualTo(2), "both were heard");
        Assert.That(minute["classify"].Latency()!.Samples, Is.EqualTo(1));
        Assert.That(minute["extract"].Latency()!.Mean, Is.EqualTo(30));
    }

    [Test]
    public void Should_time_a_product_first_heard_of_midway_from_there()
    {
        var statistics = Statistics();
        var id = Guid.NewGuid();
        statistics.Answered("classify", id, T0);
        statistics.Answered("extract", id, T0.AddMilliseconds(25));
        statistics.Completed(Completed(id), T0.AddMilliseconds(50));

        var minute = LastMinute(statistics);
        Assert.That(minute["classify"].Latency(), Is.Null);
        Assert.That(minute["extract"].Latency()!.Mean, Is.EqualTo(25));
        Assert.That(minute["end-to-end"].Latency(), Is.Null, "its receipt was not heard");
        Assert.That(minute["end-to-end"].Count, Is.EqualTo(1));
    }

    [Test]
    public void Should_follow_no_more_products_than_configured_letting_the_longest_followed_go()
    {
        var statistics = Statistics(tracked: 2);
        var ids = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var id in ids) statistics.Received(id, T0);
        statistics.Completed(Completed(ids[4]), T0.AddMilliseconds(5));

        Assert.That(statistics.Followed, Is.EqualTo(1));
        Assert.That(statistics.LetGo, Is.EqualTo(3));
        Assert.That(LastMinute(statistics)["end-to-end"].Latency()!.Mean, Is.EqualTo(5), "the newest was still followed");
    }

    internal sealed class ManualClock(DateTime start) : TimeProvider
    {
        DateTimeOffset _now = new(start);

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
