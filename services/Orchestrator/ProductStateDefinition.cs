using Inference.Contracts;
using Inference.Hosting;
using Inference.Sagas;
using Inference.Sagas.Redis;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Inference.Orchestrator;

/// <summary>The saga's endpoint (<c>product-state</c>): its prefetch, concurrency and retry from <see cref="QueueOptions"/>.</summary>
public sealed class ProductStateDefinition : SagaDefinition<ProductState>
{
    readonly QueueSettings _settings;
    readonly int _conflictRetryLimit;

    public ProductStateDefinition(IOptions<QueueOptions> options, IOptions<SagaRepositoryOptions> repository)
    {
        EndpointName = QueueNames.ProductState;
        _settings = options.Value.For(QueueNames.ProductState);
        _conflictRetryLimit = repository.Value.ConflictRetryLimit;
        ConcurrentMessageLimit = _settings.ConcurrencyLimit;
    }

    // Two events for one product may be handled at once (by two threads or two pods): with Redis the later save conflicts and
    // is retried within milliseconds, and no command leaves before the state that sent it is saved.
    protected override void ConfigureSaga(
        IReceiveEndpointConfigurator endpointConfigurator,
        ISagaConfigurator<ProductState> sagaConfigurator,
        IRegistrationContext context)
    {
        // Redis unreachable or too slow is an outage to ride out; a script error is not.
        endpointConfigurator.Apply(_settings, e => e is RedisConnectionException or RedisTimeoutException);
        endpointConfigurator.UseOptimisticConcurrency(context, _conflictRetryLimit);
        // Upstream publishes here, in MassTransit's envelope or as plain JSON; either way the Gateway's rules decide before a saga starts.
        endpointConfigurator.AcceptRawJsonAs<ProductTextReceived>();
        // The stages' answers arrive in envelopes too, each item applied to its own saga; the commands a batch of answers sends
        // to one queue leave in envelopes of their own.
        var commands = context.GetRequiredService<ProductBatchSender>();
        endpointConfigurator.AcceptProductBatches<ProductClassified>(commands);
        endpointConfigurator.AcceptProductBatches<AttributesExtracted>(commands);
        endpointConfigurator.AcceptProductBatches<IdentifiersValidated>(commands);
        endpointConfigurator.AcceptProductBatches<ProductStored>(commands);
        sagaConfigurator.Message<ProductTextReceived>(message => message.UseFilter(context.GetRequiredService<ProductAdmissionFilter>()));
    }
}
