using Inference.Contracts;
using Inference.Sagas;
using Inference.Sagas.Redis;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inference.Orchestrator;

/// <summary>
/// Finds products that made no progress for longer than the stage timeout (from the Redis repository's in-flight index)
/// and publishes <see cref="StageTimedOut"/>; the saga then faults them with the stage they waited on. Any number of
/// Orchestrator replicas may run it: the saga ignores a timeout for a product that moved on or already faulted.
/// </summary>
public sealed class StageTimeoutMonitor(
    RedisSagaStore<ProductState> sagas,
    IBus bus,
    IOptions<StageTimeoutOptions> options,
    TimeProvider clock,
    ILogger<StageTimeoutMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            var looked = 0;
            try
            {
                looked = await CheckAsync(settings, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Stage timeout check failed; trying again in {Delay}", settings.CheckEvery);
            }

            if (looked < settings.BatchSize)
                await Task.Delay(settings.CheckEvery, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>One round: every stale entry of the index is looked at once. Returns how many were.</summary>
    public async Task<int> CheckAsync(StageTimeoutOptions settings, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var cutoff = now - settings.After;
        var stale = await sagas.InFlightSince(cutoff, settings.BatchSize);
        foreach (var (productId, _) in stale)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var saga = await sagas.Load(productId);
            if (saga is null || Stage.AwaitedIn(saga.CurrentState) is null)
            {
                await sagas.MarkInFlight(productId, null);
            }
            else if (saga.UpdatedAt > cutoff)
            {
                // The index lagged behind the saga: look again when this saga's own timeout is due.
                await sagas.MarkInFlight(productId, saga.UpdatedAt);
            }
            else
            {
                await bus.Publish(new StageTimedOut(productId, saga.CurrentState, saga.UpdatedAt, settings.After), cancellationToken);
                await sagas.MarkInFlight(productId, now);
                logger.LogWarning("Product {ProductId} made no progress in {State} since {LastUpdatedAt:u}; timed out", productId, saga.CurrentState, saga.UpdatedAt);
            }
        }

        return stale.Count;
    }
}
