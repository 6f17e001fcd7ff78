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

    static long Count(PipelineActivity activity, string state) => activity.States.Counts.Single(c => c.State == state).Count;

    static StageSnapshot Row(PipelineActivity activity, string stage) => activity.Stages.Single(s => s.Stage == stage).LastMinute;

    [Test]
    public void Should_move_a_product_through_its_states()
    {
        var statistics = Statistics();
        var id = Guid.NewGuid();

        statistics.Received(id, T0);
        Assert.That(Count(statistics.Snapshot(), "Classifying"), Is.EqualTo(1));
        statistics.Classified(id, T0.AddMilliseconds(10));
        Assert.That(Count(statistics.Snapshot(), "Extracting"), Is.EqualTo(1));
        statistics.Extracted(id, T0.AddMilliseconds(20), hasIdentifiers: true);
        Assert.That(Count(statistics.Snapshot(), "Validating"), Is.EqualTo(1));
        statistics.Validated(id, T0.AddMilliseconds(30));
        Assert.That(Count(statistics.Snapshot(), "Storing"), Is.EqualTo(1));
        statistics.Stored(id, T0.AddMilliseconds(40));

        var activity = statistics.Snapshot();
        Assert.That(activity.States.Counts.Where(c => c.State != "Completed").Select(c => c.Count), Has.All.Zero);
        Assert.That(Count(activity, "Completed"), Is.EqualTo(1));
        Assert.That(activity.States.Followed, Is.Zero, "a finished product is let go");
    }

    [Test]
    public void Should_skip_validating_without_identifiers()
    {
        var statistics = Statistics();
        var id = Guid.NewGuid();
        statistics.Received(id, T0);
        statistics.Classified(id, T0);
        statistics.Extracted(id, T0, hasIdentifiers: false);
        Assert.That(Count(statistics.Snapshot(), "Storing"), Is.EqualTo(1));
    }

    [Test]
    public void Should_measure_each_stage_from_the_sent_times_of_its_events()
    {
        var statistics = Statistics();
        var id = Guid.NewGuid();
        statistics.Received(id, T0);
        statistics.Classified(id, T0.AddMilliseconds(120));
        statistics.Extracted(id, T0.AddMilliseconds(150), hasIdentifiers: false);
        statistics.Stored(id, T0.AddMilliseconds(400));

        var activity = statistics.Snapshot();
        Assert.That(Row(activity, "classify").LatencyMs!.Mean, Is.EqualTo(120));
        Assert.That(Row(activity, "extract").LatencyMs!.Mean, Is.EqualTo(30));
        Assert.That(Row(activity, "store").LatencyMs!.Mean, Is.EqualTo(250));
        Assert.That(Row(activity, "end-to-end").LatencyMs!.Mean, Is.EqualTo(400));
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
            statistics.Classified(id, T0.AddMilliseconds(i));
        }

        var latency = Row(statistics.Snapshot(), "classify").LatencyMs!;
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
        Assert.That(Row(statistics.Snapshot(), "received").Count, Is.EqualTo(1));
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.That(Row(statistics.Snapshot(), "received").Count, Is.Zero);
    }

    [Test]
    public void Should_give_the_rate_over_the_time_heard_while_younger_than_a_minute()
    {
        var statistics = Statistics();
        _clock.Advance(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 20; i++) statistics.Received(Guid.NewGuid(), T0);
        Assert.That(Row(statistics.Snapshot(), "received").PerSecond, Is.EqualTo(2));
    }

    [Test]
    public void Should_not_count_a_finished_product_again_when_it_is_posted_again()
    {
        var statistics = Statistics();
        var id = Guid.NewGuid();
        statistics.Received(id, T0);
        statistics.Faulted(new ProductFaulted(id, "classify", "boom", T0), T0);
        statistics.Received(id, T0);

        var activity = statistics.Snapshot();
        Assert.That(Count(activity, "Classifying"), Is.Zero);
        Assert.That(Count(activity, "Faulted"), Is.EqualTo(1));
        Assert.That(Row(activity, "received").Count, Is.EqualTo(2), "both events were heard");
    }

    [Test]
    public void Should_ignore_an_event_that_comes_back_late()
    {
        var statistics = Statistics();
        var id = Guid.NewGuid();
        statistics.Received(id, T0);
        statistics.Classified(id, T0);
        statistics.Extracted(id, T0, hasIdentifiers: false);
        statistics.Classified(id, T0);

        Assert.That(Count(statistics.Snapshot(), "Storing"), Is.EqualTo(1));
        Assert.That(Count(statistics.Snapshot(), "Extracting"), Is.Zero);
    }

    [Test]
    public void Should_count_a_product_first_heard_of_midway_from_there()
    {
        var statistics = Statistics();
        statistics.Classified(Guid.NewGuid(), T0);
        statistics.Stored(Guid.NewGuid(), T0);

        var activity = statistics.Snapshot();
        Assert.That(Count(activity, "Extracting"), Is.EqualTo(1));
        Assert.That(Count(activity, "Completed"), Is.EqualTo(1));
        Assert.That(Row(activity, "end-to-end").LatencyMs, Is.Null, "its receipt was not heard");
    }

    [Test]
    public void Should_follow_no_more_products_than_configured()
    {
        var statistics = Statistics(tracked: 2);
        for (var i = 0; i < 5; i++) statistics.Received(Guid.NewGuid(), T0);

        var states = statistics.Snapshot().States;
        Assert.That(states.Followed, Is.EqualTo(2));
        Assert.That(states.Untracked, Is.EqualTo(3));
        Assert.That(states.Counts.Single(c => c.State == "Classifying").Count, Is.EqualTo(2));
    }

    [Test]
    public void Should_keep_the_latest_faults_newest_first()
    {
        var statistics = Statistics(faults: 2);
        var ids = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var id in ids) statistics.Faulted(new ProductFaulted(id, "store", $"reason {id}", T0), T0);

        var faults = statistics.Snapshot().Faults;
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
