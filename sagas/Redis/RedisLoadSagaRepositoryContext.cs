using MassTransit;
using MassTransit.Middleware;
using MassTransit.Saga;

namespace Inference.Sagas.Redis;

/// <summary>Reads a saga by id outside any message, as the HTTP state query does.</summary>
public sealed class RedisLoadSagaRepositoryContext<TSaga>(RedisSagaStore<TSaga> store, CancellationToken cancellationToken)
    : BasePipeContext(cancellationToken), LoadSagaRepositoryContext<TSaga>
    where TSaga : class, ISagaVersion
{
    public Task<TSaga> Load(Guid correlationId) => store.Load(correlationId)!;
}
