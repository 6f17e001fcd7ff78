using Inference.Contracts;
using MassTransit;

namespace Inference.Gateway.Pipeline;

/// <summary>Hears every pipeline event and hands it to <see cref="PipelineStatistics"/>; times are the events' sent times.</summary>
public sealed class PipelineEventsConsumer(PipelineStatistics statistics) :
    IConsumer<ProductTextReceived>,
    IConsumer<ProductClassified>,
    IConsumer<AttributesExtracted>,
    IConsumer<IdentifiersValidated>,
    IConsumer<ProductStored>,
    IConsumer<ProductFaulted>
{
    public Task Consume(ConsumeContext<ProductTextReceived> context)
    {
        statistics.Received(context.Message.ProductId, SentAt(context));
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<ProductClassified> context)
    {
        statistics.Classified(context.Message.ProductId, SentAt(context));
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<AttributesExtracted> context)
    {
        var message = context.Message;
        // The saga validates only when there is an identifier; the same rule tells which state comes next.
        var hasIdentifiers = !string.IsNullOrWhiteSpace(message.Mpn) || !string.IsNullOrWhiteSpace(message.Gtin);
        statistics.Extracted(message.ProductId, SentAt(context), hasIdentifiers);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<IdentifiersValidated> context)
    {
        statistics.Validated(context.Message.ProductId, SentAt(context));
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<ProductStored> context)
    {
        statistics.Stored(context.Message.ProductId, SentAt(context));
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<ProductFaulted> context)
    {
        statistics.Faulted(context.Message, SentAt(context));
        return Task.CompletedTask;
    }

    static DateTime SentAt(ConsumeContext context) => context.SentTime ?? DateTime.UtcNow;
}

/// <summary>
/// A temporary endpoint of this gateway's own (auto-delete, not durable, named for the instance): every replica hears every
/// event, and a stopped replica leaves no queue behind to fill up.
/// </summary>
public sealed class PipelineEventsConsumerDefinition : ConsumerDefinition<PipelineEventsConsumer>
{
    public PipelineEventsConsumerDefinition()
    {
        // One per gateway (per container, so two gateways in one test process differ too).
        InstanceId = $"{HostName()}-{Guid.NewGuid().ToString("N")[..8]}";
        Endpoint(endpoint =>
        {
            endpoint.Name = "gateway-events";
            endpoint.InstanceId = InstanceId;
            endpoint.Temporary = true;
            endpoint.PrefetchCount = 256;
        });
    }

    /// <summary>The host's name (the pod's, on Kubernetes) and a random suffix.</summary>
    public string InstanceId { get; }

    static string HostName() =>
        new(Environment.MachineName.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(40).ToArray());

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<PipelineEventsConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        // Counting cannot fail in a way a retry would mend.
        endpointConfigurator.UseMessageRetry(retry => retry.None());
}
