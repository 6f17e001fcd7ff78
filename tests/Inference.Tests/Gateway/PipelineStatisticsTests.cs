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

    PipelineStatistics Statistics(int tracked = 100, int faults = 20) =>
        new(Options.Create(new GatewayOptions { TrackedProducts = tracked, RecentFaults = faults }), _clock);

    static long? Count(PipelineActivity activity, string state) => activity.States.Counts.Single(c => c.State == state).Count;

    static StageSnapshot Row(PipelineActivity activity, string stage) => activity.Stages.Single(s => s.Stage == stage).LastMinute;

    static ProductCompleted Completed(Guid id, long revision = 1) => new(id, revision, T0);

    [Test]
    public void Should_count_runs_by_the_saga_s_own_end_events()
    {
        var statistics = Statistics();
        var (completed, faulted) = (Guid.NewGuid(), Guid.NewGuid());
        statistics.Received(completed, T0);
        statistics.Received(faulted, T0);
        statistics.Completed(Completed(completed), T0.AddMilliseconds(40));
        statistics.Faulted(new ProductFaulted(faulted, "extract", "boom", T0), T0);

        var activity = statistics.Snapshot(inFlight: 7);
        Assert.That(Count(activity, "Completed"), Is.EqualTo(1));
        Assert.That(Count(activity, "Faulted"), Is.EqualTo(1));
        Assert.That(Count(activity, "In flight"), Is.EqualTo(7), "from the saga repository, not from here");
        Assert.That(activity.States.Followed, Is.Zero, "an ended product is let go");
    }

    [Test]
    public void Should_not_know_the_saga_s_rules_a_stored_product_is_not_complete_until_the_saga_says_so()
    {
        var statistics = Statistics();
        var id = Guid.NewGuid();
        statistics.Received(id, T0);
        statistics.Answered("store", id, T0.AddMilliseconds(10));
        Assert.That(Count(statistics.Snapshot(null), "Completed"), Is.Zero);
        Assert.That(Count(statistics.Snapshot(null), "In flight"), Is.Null, "unknown when the repository cannot be asked");
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
        statistics.Faulted(fault, T0);
        statistics.Faulted(fault, T0);

        var activity = statistics.Snapshot(0);
        Assert.That(Count(activity, "Completed"), Is.EqualTo(2));
        Assert.That(Count(activity, "Faulted"), Is.EqualTo(1));
        Assert.That(activity.Faults, Has.Count.EqualTo(1));
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

        var activity = statistics.Snapshot(0);
        Assert.That(Row(activity, "classify").LatencyMs!.Mean, Is.EqualTo(120));
        Assert.That(Row(activity, "classify-deep").LatencyMs!.Mean, Is.EqualTo(20));
        Assert.That(Row(activity, "extract").LatencyMs!.Mean, Is.EqualTo(30));
        Assert.That(Row(activity, "store").LatencyMs!.Mean, Is.EqualTo(230));
        Assert.That(Row(activity, "end-to-end").LatencyMs!.Mean, Is.EqualTo(410));
        Assert.That(Row(activity, "validate").Count, Is.Zero);
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

        var latency = Row(statistics.Snapshot(0), "classify").LatencyMs!;
        Assert.That(latency.Samples, Is.EqualTo(100));
        Assert.That(latency.P50, Is.EqualTo(50).Within(10).Percent);
        Assert.That(latency.P95, Is.EqualTo(95).Within(10).Percent);
        Assert.That(latency.Max, Is.EqualTo(100));
        Assert.That(latency.Mean, Is.EqualTo(50.5));
    }

    [Test]
    public void Should_forget_what_is_older_than_a_minute()
    {
        var statistics = Statistics();
        statistics.Received(Guid.NewGuid(), T0);
        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.That(Row(statistics.Snapshot(0), "received").Count, Is.EqualTo(1));
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.That(Row(statistics.Snapshot(0), "received").Count, Is.Zero);
    }

    [Test]
    public void Should_give_the_rate_over_the_time_heard_while_younger_than_a_minute()
    {
        var statistics = Statistics();
        _clock.Advance(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 20; i++) statistics.Received(Guid.NewGuid(), T0);
        Assert.That(Row(statistics.Snapshot(0), "received").PerSecond, Is.EqualTo(2));
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

        var activity = statistics.Snapshot(0);
        Assert.That(Row(activity, "classify").Count, Is.EqualTo(2), "both were heard");
        Assert.That(Row(activity, "classify").LatencyMs!.Samples, Is.EqualTo(1));
        Assert.That(Row(activity, "extract").LatencyMs!.Mean, Is.EqualTo(30));
    }

    [Test]
    public void Should_time_a_product_first_heard_of_midway_from_there()
    {
        var statistics = Statistics();
        var id = Guid.NewGuid();
        statistics.Answered("classify", id, T0);
        statistics.Answered("extract", id, T0.AddMilliseconds(25));
        statistics.Completed(Completed(id), T0.AddMilliseconds(50));

        var activity = statistics.Snapshot(0);
        Assert.That(Row(activity, "classify").LatencyMs, Is.Null);
        Assert.That(Row(activity, "extract").LatencyMs!.Mean, Is.EqualTo(25));
        Assert.That(Row(activity, "end-to-end").LatencyMs, Is.Null, "its receipt was not heard");
        Assert.That(Count(activity, "Completed"), Is.EqualTo(1));
    }

    [Test]
    public void Should_follow_no_more_products_than_configured_letting_the_longest_followed_go()
    {
        var statistics = Statistics(tracked: 2);
        var ids = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var id in ids) statistics.Received(id, T0);
        statistics.Completed(Completed(ids[4]), T0.AddMilliseconds(5));

        var activity = statistics.Snapshot(0);
        Assert.That(activity.States.Followed, Is.EqualTo(1));
        Assert.That(activity.States.LetGo, Is.EqualTo(3));
        Assert.That(Row(activity, "end-to-end").LatencyMs!.Mean, Is.EqualTo(5), "the newest was still followed");
    }

    [Test]
    public void Should_keep_the_latest_faults_newest_first()
    {
        var statistics = Statistics(faults: 2);
        var ids = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var id in ids) statistics.Faulted(new ProductFaulted(id, "store", $"reason {id}", T0), T0);

        var faults = statistics.Snapshot(0).Faults;
        Assert.That(faults.Select(f => f.ProductId), Is.EqualTo(new[] { ids[2], ids[1] }));
        Assert.That(faults[0].Reason, Is.EqualTo($"reason {ids[2]}"));
    }

    sealed class ManualClock(DateTime start) : TimeProvider
    {
        DateTimeOffset _now = new(start);

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
