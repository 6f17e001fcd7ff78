using Inference.Hosting;
using Inference.Sagas;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Inference.Orchestrator;

/// <summary>The saga's endpoint (<c>product-state</c>): its prefetch, concurrency and retry from <see cref="QueueOptions"/>.</summary>
public sealed class ProductStateDefinition : SagaDefinition<ProductState>
{
    public const string Queue = "product-state";
    readonly QueueSettings _settings;

    public ProductStateDefinition(IOptions<QueueOptions> options)
    {
        EndpointName = Queue;
        _settings = options.Value.For(Queue);
        ConcurrentMessageLimit = _settings.ConcurrencyLimit;
    }

    protected override void ConfigureSaga(
        IReceiveEndpointConfigurator endpointConfigurator,
        ISagaConfigurator<ProductState> sagaConfigurator,
        IRegistrationContext context) =>
        endpointConfigurator.Apply(_settings);
}
