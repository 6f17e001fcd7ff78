using MassTransit;
using MassTransit.Saga;

namespace Inference.Sagas;

/// <summary>Where the products that ended Faulted are found, by the time they faulted, to retry many at once.</summary>
public interface IFaultedProducts
{
    /// <summary>Products Faulted between <paramref name="from"/> and <paramref name="to"/>, oldest first, at most <paramref name="take"/>.</summary>
    Task<IReadOnlyList<Guid>> Between(DateTimeOffset from, DateTimeOffset to, int take);
}

/// <summary>The in-memory repository (one process) answers queries: it is asked directly.</summary>
public sealed class InMemoryFaultedProducts(IQuerySagaRepository<ProductState> sagas) : IFaultedProducts
{
    public async Task<IReadOnlyList<Guid>> Between(DateTimeOffset from, DateTimeOffset to, int take) =>
        (await sagas.Find(new SagaQuery<ProductState>(saga =>
            saga.CurrentState == nameof(ProductStateMachine.Faulted) && saga.FaultedAt >= from && saga.FaultedAt <= to))).Take(take).ToArray();
}
