using Inference.Contracts;
using Inference.Hosting;
using Inference.Sagas;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inference.Orchestrator;

/// <summary>
/// Finds products past their stage deadline (no progress for <c>StageTimeout:ResendAfter</c>, doubled for each re-send so far)
/// and publishes <see cref="StageTimedOut"/>; the saga then sends the stage's command again, or faults the product when it
/// has been re-sent enough. A product whose stage's queue still holds messages (and has a consumer) is queued, not lost:
/// its deadline waits until the queue has drained, so a backlog never turns into a storm of duplicate commands. Any number
/// of Orchestrator replicas may run it: the saga ignores a deadline for a product that moved on meanwhile.
/// </summary>
public sealed class StageDeadlineMonitor(
    IInFlightProducts inFlight,
    ILoadSagaRepository<ProductState> sagas,
    IQueueDepths queues,
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
        var depths = new Dictionary<string, QueueDepth?>();
        var queued = 0;

        async Task<bool> IsBacklogged(string queue)
        {
            if (!depths.TryGetValue(queue, out var depth))
                depths[queue] = depth = await queues.Of(queue, cancellationToken);
            return depth is { Ready: > 0, Consumers: > 0 };
        }

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

            // The command may wait in its stage's queue, or the answer in the saga's own: either way the product is queued, not lost.
            if (await IsBacklogged(ProductCommands.QueueAwaitedBy(saga)!) || await IsBacklogged(QueueNames.ProductState))
            {
                queued++;
                await inFlight.LookAgainAt(productId, now);
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

        if (queued > 0)
            logger.LogInformation("{Queued} product(s) past their stage deadline wait in queues that still hold messages ({Queues}); their deadlines wait for the queues to drain",
                queued, string.Join(", ", depths.Where(d => d.Value is { Ready: > 0 }).Select(d => $"{d.Key}: {d.Value!.Ready:N0} ready")));
        return candidates.Count;
    }
}
