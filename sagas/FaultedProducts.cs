using MassTransit;
using MassTransit.Saga;

namespace Inference.Sagas;

/// <summary>Where the products that ended Faulted are found, by the time they faulted, to retry many at once.</summary>
public interface IFaultedProducts
{
    /// <summary>Products Faulted between <paramref name="from"/> and <paramref name="to"/>, oldest first, at most <paramref name="take"/>.</summary>
    Task<IReadOnlyList<Guid>> Between(DateTimeOffset from, DateTimeOffset to, int take);

    /// <summary>The products that faulted last, newest first, at most <paramref name="take"/>.</summary>
    Task<IReadOnlyList<Guid>> Latest(int take);
}

/// <summary>The in-memory repository (one process) answers queries: it is asked directly.</summary>
public sealed class InMemoryFaultedProducts(IQuerySagaRepository<ProductState> sagas, ILoadSagaRepository<ProductState> states) : IFaultedProducts
{
    public async Task<IReadOnlyList<Guid>> Between(DateTimeOffset from, DateTimeOffset to, int take) =>
        (await sagas.Find(new SagaQuery<ProductState>(saga =>
            saga.CurrentState == nameof(ProductStateMachine.Faulted) && saga.FaultedAt >= from && saga.FaultedAt <= to))).Take(take).ToArray();

    public async Task<IReadOnlyList<Guid>> Latest(int take)
    {
        var faulted = await sagas.Find(new SagaQuery<ProductState>(saga => saga.CurrentState == nameof(ProductStateMachine.Faulted)));
        // The in-memory repository finds ids only: their fault times order them.
        var found = new List<(Guid Id, DateTimeOffset At)>();
        foreach (var id in faulted)
            if (await states.Load(id) is { FaultedAt: { } at }) found.Add((id, at));
        return found.OrderByDescending(s => s.At).Take(take).Select(s => s.Id).ToArray();
    }
}
