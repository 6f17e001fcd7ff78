using MassTransit;
using MassTransit.Saga;
using Microsoft.Extensions.Options;

namespace Inference.Sagas;

/// <summary>Where the stage deadline monitor finds products that may be past their deadline, for each saga repository.</summary>
public interface IInFlightProducts
{
    /// <summary>Products in flight that made no progress since <paramref name="cutoff"/> (or whose look-again time passed), at most <paramref name="take"/>.</summary>
    Task<IReadOnlyList<Guid>> IdleSince(DateTimeOffset cutoff, int take);

    /// <summary>After a look: when to look at the product again, or null when it is no longer in flight.</summary>
    Task LookAgainAt(Guid productId, DateTimeOffset? at);

    /// <summary>How many products wait on each stage now (<see cref="Stage"/> names; a stage with none is there with 0).</summary>
    Task<IReadOnlyDictionary<string, long>> CountByStage();

    /// <summary>How many products are in flight now, in every process: what back-pressure measures.</summary>
    Task<long> Count();
}

/// <summary>
/// The in-memory repository (one process: the embedded run) answers queries, so it is asked directly for the products whose
/// deadline passed; nothing needs remembering between looks.
/// </summary>
public sealed class InMemoryInFlightProducts(IQuerySagaRepository<ProductState> sagas, IOptions<StageDeadlineOptions> deadlines, TimeProvider clock)
    : IInFlightProducts
{
    public async Task<IReadOnlyList<Guid>> IdleSince(DateTimeOffset cutoff, int take)
    {
        var options = deadlines.Value;
        var now = clock.GetUtcNow();
        var due = await sagas.Find(new SagaQuery<ProductState>(saga =>
            saga.UpdatedAt <= cutoff
            && Stage.AwaitedIn(saga.CurrentState) != null
            && options.DueAt(Stage.AwaitedIn(saga.CurrentState)!, saga.Resends, saga.UpdatedAt) <= now));
        return due.Take(take).ToArray();
    }

    public Task LookAgainAt(Guid productId, DateTimeOffset? at) => Task.CompletedTask;

    public async Task<IReadOnlyDictionary<string, long>> CountByStage()
    {
        var counts = Stage.All.ToDictionary(stage => stage, _ => 0L);
        foreach (var stage in Stage.All)
        {
            var state = Stage.StateAwaiting(stage);
            counts[stage] = (await sagas.Find(new SagaQuery<ProductState>(saga => saga.CurrentState == state))).Count();
        }

        return counts;
    }

    public async Task<long> Count() =>
        (await sagas.Find(new SagaQuery<ProductState>(saga => Stage.AwaitedIn(saga.CurrentState) != null))).LongCount();
}
