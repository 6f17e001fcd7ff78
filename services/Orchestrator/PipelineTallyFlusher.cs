using Inference.Sagas;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Inference.Orchestrator;

/// <summary>
/// Every second, adds what this Orchestrator tallied (<see cref="PipelineTally"/>) to the shared tallies the Gateway's history
/// samples. While the store is away the events wait here, merged, and go with the next add that succeeds; the last go at stop.
/// </summary>
public sealed class PipelineTallyFlusher(PipelineTally tally, IPipelineTallies tallies, ILogger<PipelineTallyFlusher> logger) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(1);

    // What was tallied and not added yet, merged as the in-memory tallies merge; one flush at a time, so none is sent twice.
    readonly InMemoryPipelineTallies _unsent = new();
    readonly SemaphoreSlim _flushing = new(1, 1);
    bool _failing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await FlushAsync();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync();
    }

    /// <summary>Adds what was tallied since the last successful add; false when the shared tallies could not be reached.</summary>
    public async Task<bool> FlushAsync()
    {
        await _flushing.WaitAsync();
        try
        {
            await _unsent.Add(tally.Take());
            var events = await _unsent.Pending();
            if (events.Count == 0) return true;
            await tallies.Add(events);
            _unsent.Take(events);
            _failing = false;
            return true;
        }
        catch (Exception e)
        {
            // Once per outage: the figures reach the history late, not never.
            if (!_failing) logger.LogWarning(e, "The pipeline's tallies could not be added to the shared store; they wait here and go with the next add");
            _failing = true;
            return false;
        }
        finally
        {
            _flushing.Release();
        }
    }
}
