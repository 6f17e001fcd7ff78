namespace Inference.Sagas.Redis;

/// <summary>The Redis repository keeps an index of the sagas in flight, scored by their last write (or the monitor's look-again time).</summary>
public sealed class RedisInFlightProducts(RedisSagaStore<ProductState> sagas) : IInFlightProducts
{
    public async Task<IReadOnlyList<Guid>> IdleSince(DateTimeOffset cutoff, int take) =>
        (await sagas.InFlightSince(cutoff, take)).Select(entry => entry.CorrelationId).ToArray();

    public Task LookAgainAt(Guid productId, DateTimeOffset? at) => sagas.MarkInFlight(productId, at);

    /// <summary>Read from the repository's per-state sets, which each saga write keeps exact: one SCARD per stage.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountByStage()
    {
        var byState = await sagas.CountByState();
        return Stage.All.ToDictionary(stage => stage, stage => byState.GetValueOrDefault(Stage.StateAwaiting(stage)!));
    }

    public Task<long> Count() => sagas.InFlightCount();
}

/// <summary>The Redis repository lists the sagas that ended Faulted, scored by the time of that write.</summary>
public sealed class RedisFaultedProducts(RedisSagaStore<ProductState> sagas) : IFaultedProducts
{
    public async Task<IReadOnlyList<Guid>> Between(DateTimeOffset from, DateTimeOffset to, int take) =>
        (await sagas.FaultedBetween(from, to, take)).Select(entry => entry.CorrelationId).ToArray();

    public Task<IReadOnlyList<Guid>> Latest(int take) => sagas.FaultedLatest(take);
}
