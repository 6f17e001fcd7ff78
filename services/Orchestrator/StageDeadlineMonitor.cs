using Inference.Contracts;
using Inference.Sagas;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inference.Orchestrator;

/// <summary>
/// Finds products past their stage deadline (no progress for <c>StageTimeout:ResendAfter</c>, doubled for each re-send so far)
/// and publishes <see cref="StageTimedOut"/>; the saga then sends the stage's command again, or faults the product when it
/// has been re-sent enough. Any number of Orchestrator replicas may run it: the saga ignores a deadline for a product that
/// moved on meanwhile, and acts on a product at most once per write.
/// </summary>
public sealed class StageDeadlineMonitor(
    IInFlightProducts inFlight,
    ILoadSagaRepository<ProductState> sagas,
    IBus bus,
    IOptions<StageDeadlineOptions> options,
    TimeProvider clock,
    ILogger<StageDeadlineMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            var looked = 0;
            try
            {
                looked = await CheckAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Stage deadline check failed ({Reason}); trying again in {Delay}", e.Message, settings.CheckEvery);
            }

            if (looked < settings.BatchSize)
                await Task.Delay(settings.CheckEvery, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>One round: every product that may be due is looked at once. Returns how many were.</summary>
    public async Task<int> CheckAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var candidates = await inFlight.IdleSince(now - settings.ShortestWait, settings.BatchSize);
        foreach (var productId in candidates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var saga = await sagas.Load(productId);
            var stage = Stage.AwaitedIn(saga?.CurrentState);
            if (saga is null || stage is null)
            {
                await inFlight.LookAgainAt(productId, null);
                continue;
            }

            var due = settings.DueAt(stage, saga.Resends, saga.UpdatedAt);
            if (due > now)
            {
                await inFlight.LookAgainAt(productId, due - settings.ShortestWait);
                continue;
            }

            await bus.Publish(new StageTimedOut(productId, saga.CurrentState, saga.UpdatedAt, now - saga.UpdatedAt), cancellationToken);
            // The saga's own write moves the entry on; if that message is lost, look again after the shortest wait.
            await inFlight.LookAgainAt(productId, now);
            if (saga.Resends < settings.MaxResends)
                logger.LogWarning("Product {ProductId} made no progress in {State} since {LastUpdatedAt:u}; sending its {Stage} command again ({Resend} of {MaxResends})",
                    productId, saga.CurrentState, saga.UpdatedAt, stage, saga.Resends + 1, settings.MaxResends);
            else
                logger.LogWarning("Product {ProductId} made no progress in {State} since {LastUpdatedAt:u} after {MaxResends} re-sends; faulting it",
                    productId, saga.CurrentState, saga.UpdatedAt, settings.MaxResends);
        }

        return candidates.Count;
    }
}
