using Inference.Sagas;
using Microsoft.Extensions.Options;

namespace Inference.Gateway.Pipeline;

/// <summary>
/// Every <c>Gateway:History:SampleEvery</c>, the gateway that holds the sampler's lease (taken in turn: whoever finds it free)
/// adds one sample to the shared history: the events it heard since the last sample (any replica's: all hear every event), the
/// broker's queues and the saga store's counts. A replica that stops leaves the lease to expire (three intervals) and another
/// goes on from the last second sampled.
/// </summary>
public sealed class PipelineSampler(
    PipelineStatistics statistics,
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
        // Only whole seconds that have passed: nothing is heard in them any more.
        var last = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero) - Second;
        var first = (await history.Totals()).Last is { } previous ? previous + Second : last - every + Second;
        // After a minute without a sampler, what was heard before the window is gone: the history has a gap.
        var oldest = last - (StageWindow.Seconds - 1) * Second;
        if (first < oldest) first = oldest;
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

        var sample = new PipelineSample(first, last, statistics.Sample(first.UtcDateTime, last.UtcDateTime),
            queues.Available ? queues.Items.Select(q => new QueueSample(q.Name, q.Ready, q.Unacknowledged, q.Consumers)).ToArray() : null,
            waiting, flying);
        return await history.Append(Owner, sample);
    }
}
