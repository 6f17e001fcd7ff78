using Inference.Orchestrator;
using Inference.Sagas;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inference.Tests.Sagas;

/// <summary>The stage table's tallies: percentiles from the histogram, takes that start afresh, and sums that add and subtract exactly.</summary>
public sealed class PipelineTallyTests
{
    [Test]
    public void Should_estimate_percentiles_within_ten_percent()
    {
        var tally = new PipelineTally();
        for (var i = 1; i <= 100; i++) tally.Record(Stage.Classify, TimeSpan.FromMilliseconds(i));

        var latency = tally.Take()[Stage.Classify].Latency()!;
        Assert.That(latency.Samples, Is.EqualTo(100));
        Assert.That(latency.P50, Is.EqualTo(50).Within(10).Percent);
        Assert.That(latency.P95, Is.EqualTo(95).Within(10).Percent);
        Assert.That(latency.Max, Is.EqualTo(100));
        Assert.That(latency.Mean, Is.EqualTo(50.5));
    }

    [Test]
    public void Should_start_afresh_after_each_take_and_leave_out_rows_without_events()
    {
        var tally = new PipelineTally();
        tally.Record(PipelineTally.Received);
        tally.Record(PipelineTally.Completions, TimeSpan.FromMilliseconds(40));

        var first = tally.Take();
        Assert.That(first.Keys, Is.EquivalentTo(new[] { PipelineTally.Received, PipelineTally.Completions }));
        Assert.That(first[PipelineTally.Received].Latency(), Is.Null, "a count without latency");
        Assert.That(tally.Take(), Is.Empty);
    }

    [Test]
    public void Should_merge_the_takes_of_several_processes_into_the_figures_of_the_whole()
    {
        var (one, two, whole) = (new PipelineTally(), new PipelineTally(), new PipelineTally());
        for (var i = 1; i <= 100; i++)
        {
            (i <= 40 ? one : two).Record(Stage.Extract, TimeSpan.FromMilliseconds(i * 7));
            whole.Record(Stage.Extract, TimeSpan.FromMilliseconds(i * 7));
        }

        var merged = StageSample.Merge([one.Take()[Stage.Extract], two.Take()[Stage.Extract]]);
        Assert.That(merged.Latency(), Is.EqualTo(whole.Take()[Stage.Extract].Latency()));
        Assert.That(merged.Snapshot(seconds: 4).PerSecond, Is.EqualTo(25));
    }

    [Test]
    public async Task Should_take_away_what_a_sample_read_and_keep_what_came_after()
    {
        var tallies = new InMemoryPipelineTallies();
        var tally = new PipelineTally();
        tally.Record(Stage.Store, TimeSpan.FromMilliseconds(10));
        tally.Record(Stage.Store, TimeSpan.FromMilliseconds(20));
        await tallies.Add(tally.Take());

        var read = await tallies.Pending();
        tally.Record(Stage.Store, TimeSpan.FromMilliseconds(500));
        await tallies.Add(tally.Take());
        tallies.Take(read);

        var left = (await tallies.Pending())[Stage.Store];
        Assert.That(left.Count, Is.EqualTo(1));
        Assert.That(left.Latency()!.Mean, Is.EqualTo(500));
        Assert.That(left.MaxMs, Is.EqualTo(500), "larger than the one taken, so known");
        tallies.Take(await tallies.Pending());
        Assert.That(await tallies.Pending(), Is.Empty);
    }

    [Test]
    public async Task Should_keep_what_the_store_refused_for_the_next_flush_and_send_each_event_once()
    {
        var tally = new PipelineTally();
        var store = new FlakyTallies { FailNext = true };
        var flusher = new PipelineTallyFlusher(tally, store, NullLogger<PipelineTallyFlusher>.Instance);
        tally.Record(Stage.Classify, TimeSpan.FromMilliseconds(5));
        Assert.That(await flusher.FlushAsync(), Is.False, "the store is away");

        tally.Record(Stage.Classify, TimeSpan.FromMilliseconds(9));
        var flushes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => flusher.FlushAsync()));
        Assert.That(flushes, Is.All.True);
        var added = await store.Pending();
        Assert.That(added[Stage.Classify].Count, Is.EqualTo(2), "the refused event and the new one, once each");
        Assert.That(added[Stage.Classify].MaxMs, Is.EqualTo(9));
    }

    sealed class FlakyTallies : IPipelineTallies
    {
        readonly InMemoryPipelineTallies _added = new();
        public bool FailNext;

        public async Task Add(IReadOnlyDictionary<string, StageSample> events)
        {
            await Task.Yield();
            if (FailNext)
            {
                FailNext = false;
                throw new InvalidOperationException("store away");
            }

            await _added.Add(events);
        }

        public Task<IReadOnlyDictionary<string, StageSample>> Pending() => _added.Pending();
    }
}
