using MassTransit;
using MassTransit.Saga;

namespace Inference.Sagas.Redis;

/// <summary>Plugs <see cref="RedisSagaStore{TSaga}"/> into MassTransit: per-message repository contexts, and load by id.</summary>
/// <remarks>
/// Queries (<see cref="IQuerySagaRepository{TSaga}"/>, events correlated by an expression) are not supported: Redis has no index
/// over the JSON, so a query would scan every saga. Correlate events by id.
/// </remarks>
public sealed class RedisSagaRepositoryContextFactory<TSaga>(
    RedisSagaStore<TSaga> store,
    ISagaConsumeContextFactory<RedisSagaStore<TSaga>, TSaga> factory)
    : ISagaRepositoryContextFactory<TSaga>, ILoadSagaRepositoryContextFactory<TSaga>
    where TSaga : class, ISagaVersion
{
    public void Probe(ProbeContext context)
    {
        context.Add("persistence", "redis");
        context.Add("keyPrefix", store.Settings.KeyPrefix);
    }

    public Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<TSaga, T>> next)
        where T : class =>
        next.Send(new RedisSagaRepositoryContext<TSaga, T>(store, context, factory));

    public Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<TSaga> query, IPipe<SagaRepositoryQueryContext<TSaga, T>> next)
        where T : class =>
        throw new NotSupportedException(
            $"The Redis saga repository finds {typeof(TSaga).Name} by CorrelationId only; correlate {typeof(T).Name} with CorrelateById.");

    public Task<T> Execute<T>(Func<LoadSagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class =>
        asyncMethod(new RedisLoadSagaRepositoryContext<TSaga>(store, cancellationToken));
}
