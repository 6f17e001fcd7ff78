using Inference.Sagas;
using Microsoft.Extensions.Options;

namespace Inference.Gateway.Pipeline;

/// <summary>
/// Every <c>Gateway:History:SampleEvery</c>, the gateway that holds the sampler's lease (taken in turn: whoever finds it free)
/// adds one sample to the shared history: the events the Orchestrators tallied since the last sample (taken from the pending
/// tallies as the sample is appended), the broker's queues and the saga store's counts. A replica that stops leaves the lease to
/// expire (three intervals) and another goes on from the last second sampled; the events of the gap wait in the tallies and
/// make its first sample, which spans the gap.
/// </summary>
public sealed class PipelineSampler(
    IPipelineTallies tallies,
    IPipelineHistory history,
    IInFlightProducts inFlight,
    IServiceProvider services,
    IOptions<GatewayOptions> options,
    TimeProvider clock,
    ILogger<PipelineSampler> logger) : BackgroundService
{
    static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    /// <summary>This gateway, as the lease names it.</summary>
    public string Owner { get; } = $"{Environment.MachineName}/{Guid.NewGuid():N}";

    /// <summary>Whether this gateway held the lease at its last try.</summary>
    public bool Leads { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.History.SampleEvery, clock);
        var failing = false;
        do
        {
            try
            {
                await SampleAsync(stoppingToken);
                failing = false;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Once per outage, not at every tick: the history has a gap for as long as the store is away.
                if (!failing) logger.LogWarning(e, "The pipeline's history could not be sampled; retrying every {Interval}", options.Value.History.SampleEvery);
                failing = true;
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One sample of the seconds not sampled yet, when this gateway holds the lease; true when one was added.</summary>
    public async Task<bool> SampleAsync(CancellationToken cancellationToken)
    {
        var every = options.Value.History.SampleEvery;
        Leads = await history.TryLead(Owner, every * 3);
        if (!Leads) return false;

        var now = clock.GetUtcNow();
        // Whole seconds that have passed.
        var last = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero) - Second;
        var first = (await history.Totals()).Last is { } previous ? previous + Second : last - every + Second;
        if (first > last) return false;

        var queues = await services.GetRequiredService<RabbitMqQueues>().GetAsync(cancellationToken);
        IReadOnlyDictionary<string, long>? waiting = null;
        long? flying = null;
        try
        {
            waiting = await inFlight.CountByStage();
            flying = await inFlight.Count();
        }
        catch (Exception e) when (DependencyOutages.ServerOf(e) is not null)
        {
            logger.LogDebug("The saga store could not count the products waiting ({Reason})", e.Message);
        }

        var pending = await tallies.Pending();
        // Every row, those without events too, so each sample reads the same.
        var stages = PipelineTally.Rows.ToDictionary(row => row, row => pending.GetValueOrDefault(row) ?? StageSample.Empty);
        var sample = new PipelineSample(first, last, stages,
            queues.Available ? queues.Items.Select(q => new QueueSample(q.Name, q.Ready, q.Unacknowledged, q.Consumers)).ToArray() : null,
            waiting, flying);
        return await history.Append(Owner, sample);
    }
}
