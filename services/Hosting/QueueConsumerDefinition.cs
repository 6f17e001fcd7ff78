using MassTransit;
using Microsoft.Extensions.Options;

namespace Inference.Hosting;

/// <summary>A consumer bound to one named queue whose prefetch, concurrency and retry come from <see cref="QueueOptions"/>.</summary>
public abstract class QueueConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
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
        IRegistrationContext context) =>
        endpointConfigurator.Apply(_settings, IsOutage);
}
