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

    readonly Lock _lock = new();
    IReadOnlyDictionary<string, StageSample> _unsent = new Dictionary<string, StageSample>();
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
        IReadOnlyDictionary<string, StageSample> events;
        lock (_lock)
        {
            var taken = tally.Take();
            events = _unsent = _unsent.Count == 0 ? taken : PipelineTally.Rows
                .Select(row => (row, Samples: new[] { _unsent.GetValueOrDefault(row), taken.GetValueOrDefault(row) }.OfType<StageSample>().ToArray()))
                .Where(row => row.Samples.Length > 0)
                .ToDictionary(row => row.row, row => StageSample.Merge(row.Samples));
        }

        if (events.Count == 0) return true;
        try
        {
            await tallies.Add(events);
            lock (_lock) _unsent = new Dictionary<string, StageSample>();
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
    }
}
