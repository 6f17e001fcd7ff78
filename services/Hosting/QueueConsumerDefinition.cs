using MassTransit;
using Microsoft.Extensions.Options;

namespace Inference.Hosting;

/// <summary>
/// A consumer of <typeparamref name="TMessage"/> bound to one named queue whose prefetch, concurrency and retry come from
/// <see cref="QueueOptions"/>; the messages arrive alone or in envelopes of many products (<see cref="ProductBatchEndpoint"/>).
/// </summary>
public abstract class QueueConsumerDefinition<TConsumer, TMessage> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer<TMessage>
    where TMessage : class
{
    readonly QueueSettings _settings;

    protected QueueConsumerDefinition(string queue, IOptions<QueueOptions> options)
    {
        EndpointName = queue;
        _settings = options.Value.For(queue);
        ConcurrentMessageLimit = _settings.ConcurrencyLimit;
    }

    /// <summary>Whether an exception means a server the consumer needs is down: retried for about a minute, not faulted at once.</summary>
    protected virtual Func<Exception, bool>? IsOutage => null;

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.Apply(_settings, IsOutage);
        endpointConfigurator.AcceptProductBatches<TMessage>();
    }
}
