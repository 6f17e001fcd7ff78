using Inference.Contracts;
using Inference.Gateway;
using Inference.Gateway.Pipeline;
using Inference.Hosting;
using Inference.Sagas;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Inference.Tests.Gateway;

/// <summary>The history sampler on the in-memory history: whole seconds, each sampled once, totals and stages as the tallies said.</summary>
public sealed class PipelineSamplerTests
{
    static readonly DateTime T0 = new(2026, 11, 23, 12, 0, 0, DateTimeKind.Utc);
    ManualClock _clock = null!;
    readonly PipelineTally _tally = new();
    InMemoryPipelineTallies _tallies = null!;
    InMemoryPipelineHistory _history = null!;
    PipelineSampler _sampler = null!;
    PipelineFigures _figures = null!;
    readonly Waiting _waiting = new();
    ServiceProvider _services = null!;

    [SetUp]
    public void Start()
    {
        _clock = new ManualClock(T0.AddMilliseconds(300));
        var options = Options.Create(new GatewayOptions { History = { SampleEvery = TimeSpan.FromSeconds(5), Keep = TimeSpan.FromMinutes(1) } });
        _tallies = new InMemoryPipelineTallies();
        _history = new InMemoryPipelineHistory(options, _tallies);
        // An in-memory transport: no broker to ask for queues, which the samples then leave out.
        _services = new ServiceCollection()
            .AddSingleton<TimeProvider>(_clock)
            .AddSingleton(Options.Create(new TransportOptions()))
            .AddLogging()
            .AddHttpClient<RabbitMqQueues>().Services
            .BuildServiceProvider();
        _sampler = new PipelineSampler(_tallies, _history, _waiting, _services, options, _clock, NullLogger<PipelineSampler>.Instance);
        _figures = new PipelineFigures(_history, new NoFaults(), null!, _sampler, options, _clock);
    }

    [TearDown]
    public void Stop()
    {
        _sampler.Dispose();
        _services.Dispose();
    }

    /// <summary>Runs that took 1 ms each, tallied and added as an Orchestrator adds them.</summary>
    async Task Complete(int products)
    {
        for (var i = 0; i < products; i++)
        {
            _tally.Record(PipelineTally.Received);
            _tally.Record(PipelineTally.Completions, TimeSpan.FromMilliseconds(1));
        }

        await _tallies.Add(_tally.Take());
    }

    [Test]
    public async Task Should_sample_every_second_once_without_gap_or_overlap()
    {
        await Complete(3);
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.That(await _sampler.SampleAsync(CancellationToken.None), Is.True);
        Assert.That(await _sampler.SampleAsync(CancellationToken.None), Is.False, "no whole second passed since");
        await Complete(4);
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.That(await _sampler.SampleAsync(CancellationToken.None), Is.True);

        var (samples, _) = await _history.Newest(10);
        Assert.That(samples, Has.Count.EqualTo(2));
        Assert.That(samples[0].First, Is.EqualTo(new DateTimeOffset(T0)), "the first sample covers one interval");
        Assert.That(samples[1].First, Is.EqualTo(samples[0].Last + TimeSpan.FromSeconds(1)), "the next goes on from the last second sampled");
        Assert.That(samples.Select(s => s.Completed), Is.EqualTo(new[] { 3L, 4L }));
        Assert.That(samples.Select(s => s.Seconds), Is.EqualTo(new[] { 5, 5 }));
        Assert.That(samples[1].Waiting!["extract"], Is.EqualTo(2), "from the saga store's counts");
        Assert.That(samples[1].InFlight, Is.EqualTo(2));
        Assert.That(samples[1].Queues, Is.Null, "no broker to ask");
        Assert.That(await _history.Totals(), Is.EqualTo(new HistoryTotals(new DateTimeOffset(T0), samples[1].Last, 7, 0)));
    }

    [Test]
    public async Task Should_show_the_last_minute_and_the_history_from_the_samples()
    {
        await Complete(6);
        _clock.Advance(TimeSpan.FromSeconds(5));
        await _sampler.SampleAsync(CancellationToken.None);

        var (stages, totals, status) = await _figures.StagesAsync();
        var completions = stages.Single(s => s.Stage == PipelineTally.Completions).LastMinute;
        Assert.That(completions.Count, Is.EqualTo(6));
        Assert.That(completions.PerSecond, Is.EqualTo(1.2), "over the seconds sampled");
        Assert.That(totals.Completed, Is.EqualTo(6));
        Assert.That(status.Shared, Is.False);
        Assert.That(status.ThisGatewaySamples, Is.True);

        var history = await _figures.HistoryAsync();
        Assert.That(history.Points.Select(p => p.CompletedPerSecond), Is.EqualTo(new[] { 1.2 }));
        Assert.That(history.Points[0].Stages[PipelineTally.Completions].P50, Is.EqualTo(1), "the end-to-end latency: 1 ms");

        // Past the kept span, a sample leaves the history and the minute, not the totals.
        _clock.Advance(TimeSpan.FromMinutes(2));
        await _sampler.SampleAsync(CancellationToken.None);
        Assert.That((await _figures.HistoryAsync()).Points.Select(p => p.Completed), Is.EqualTo(new[] { 0L }));
        Assert.That((await _figures.StagesAsync()).Totals.Completed, Is.EqualTo(6));
    }

    [Test]
    public async Task Should_leave_no_event_to_a_later_sample_once_taken()
    {
        await Complete(2);
        _clock.Advance(TimeSpan.FromSeconds(5));
        await _sampler.SampleAsync(CancellationToken.None);
        Assert.That(await _tallies.Pending(), Is.Empty);
        _clock.Advance(TimeSpan.FromSeconds(5));
        await _sampler.SampleAsync(CancellationToken.None);
        Assert.That((await _history.Newest(10)).Samples.Select(s => s.Completed), Is.EqualTo(new[] { 2L, 0L }));
    }

    [Test]
    public async Task Should_span_a_gap_without_a_sampler_with_one_sample_holding_its_events()
    {
        await Complete(1);
        _clock.Advance(TimeSpan.FromSeconds(5));
        await _sampler.SampleAsync(CancellationToken.None);
        await Complete(600);
        _clock.Advance(TimeSpan.FromMinutes(10));
        await _sampler.SampleAsync(CancellationToken.None);

        var samples = (await _history.Newest(10)).Samples;
        Assert.That(samples[^1].Completed, Is.EqualTo(600));
        Assert.That(samples[^1].Seconds, Is.EqualTo(600), "the whole gap, so the rate is right");
        Assert.That(samples[^1].First, Is.EqualTo(samples[0].Last + TimeSpan.FromSeconds(1)));
    }

    internal sealed class ManualClock(DateTime start) : TimeProvider
    {
        DateTimeOffset _now = new(start);

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }

    sealed class Waiting : IInFlightProducts
    {
        public Task<IReadOnlyList<Guid>> IdleSince(DateTimeOffset cutoff, int take) => Task.FromResult<IReadOnlyList<Guid>>([]);
        public Task LookAgainAt(Guid productId, DateTimeOffset? at) => Task.CompletedTask;
        public Task<IReadOnlyDictionary<string, long>> CountByStage() =>
            Task.FromResult<IReadOnlyDictionary<string, long>>(Stage.All.ToDictionary(s => s, s => s == Stage.Extract ? 2L : 0L));
        public Task<long> Count() => Task.FromResult(2L);
    }

    sealed class NoFaults : IFaultedProducts
    {
        public Task<IReadOnlyList<Guid>> Between(DateTimeOffset from, DateTimeOffset to, int take) => Task.FromResult<IReadOnlyList<Guid>>([]);
        public Task<IReadOnlyList<Guid>> Latest(int take) => Task.FromResult<IReadOnlyList<Guid>>([]);
    }
}
