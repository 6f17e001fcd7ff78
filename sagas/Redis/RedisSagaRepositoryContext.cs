using MassTransit;
using MassTransit.Context;
using MassTransit.Logging;
using MassTransit.Saga;

namespace Inference.Sagas.Redis;

/// <summary>One message's view of the Redis saga repository: MassTransit's saga pipeline calls it to load, create, update or delete.</summary>
public sealed class RedisSagaRepositoryContext<TSaga, TMessage> : ConsumeContextScope<TMessage>, SagaRepositoryContext<TSaga, TMessage>
    where TSaga : class, ISagaVersion
    where TMessage : class
{
    readonly RedisSagaStore<TSaga> _store;
    readonly ConsumeContext<TMessage> _context;
    readonly ISagaConsumeContextFactory<RedisSagaStore<TSaga>, TSaga> _factory;

    public RedisSagaRepositoryContext(
        RedisSagaStore<TSaga> store, ConsumeContext<TMessage> context, ISagaConsumeContextFactory<RedisSagaStore<TSaga>, TSaga> factory)
        : base(context)
    {
        _store = store;
        _context = context;
        _factory = factory;
    }

    public Task<SagaConsumeContext<TSaga, TMessage>> Add(TSaga instance) =>
        _factory.CreateSagaConsumeContext(_store, _context, instance, SagaConsumeContextMode.Add);

    /// <summary>Used when an event sets <c>InsertOnInitial</c>: null when the saga exists, so MassTransit loads that one instead.</summary>
    public async Task<SagaConsumeContext<TSaga, TMessage>> Insert(TSaga instance)
    {
        if (!await _store.TryCreate(instance).ConfigureAwait(false))
            return null!;

        _context.LogInsert<TSaga, TMessage>(instance.CorrelationId);
        return await _factory.CreateSagaConsumeContext(_store, _context, instance, SagaConsumeContextMode.Insert).ConfigureAwait(false);
    }

    public async Task<SagaConsumeContext<TSaga, TMessage>> Load(Guid correlationId)
    {
        var instance = await _store.Load(correlationId).ConfigureAwait(false);
        return instance is null
            ? null!
            : await _factory.CreateSagaConsumeContext(_store, _context, instance, SagaConsumeContextMode.Load).ConfigureAwait(false);
    }

    /// <summary>Saves a saga this message created; if another message created it first, the conflict sends this one round again.</summary>
    public Task Save(SagaConsumeContext<TSaga> context) => _store.Create(context.Saga);

    public Task Update(SagaConsumeContext<TSaga> context) => _store.Update(context.Saga);

    public Task Delete(SagaConsumeContext<TSaga> context) => _store.Delete(context.Saga);

    // Nothing was written for an added saga that is discarded, and nothing is held that would need undoing.
    public Task Discard(SagaConsumeContext<TSaga> context) => Task.CompletedTask;

    public Task Undo(SagaConsumeContext<TSaga> context) => Task.CompletedTask;

    public Task<SagaConsumeContext<TSaga, T>> CreateSagaConsumeContext<T>(ConsumeContext<T> consumeContext, TSaga instance, SagaConsumeContextMode mode)
        where T : class =>
        _factory.CreateSagaConsumeContext(_store, consumeContext, instance, mode);
}
