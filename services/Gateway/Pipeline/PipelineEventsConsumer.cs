using Inference.Contracts;
using Inference.Hosting;
using Inference.Sagas;
using MassTransit;

namespace Inference.Gateway.Pipeline;

/// <summary>Hears every pipeline event and hands it to <see cref="PipelineStatistics"/>; times are the events' sent times.</summary>
public sealed class PipelineEventsConsumer(PipelineStatistics statistics, ProductTextRules rules) :
    IConsumer<ProductTextReceived>,
    IConsumer<ProductClassified>,
    IConsumer<AttributesExtracted>,
    IConsumer<IdentifiersValidated>,
    IConsumer<ProductStored>,
    IConsumer<ProductCompleted>,
    IConsumer<ProductFaulted>
{
    public Task Consume(ConsumeContext<ProductTextReceived> context)
    {
        // The saga's door refuses it (and keeps it in product-state_error): no product to follow.
        if (rules.Check(context.Message).Count > 0)
        {
            statistics.Rejected();
            return Task.CompletedTask;
        }

        statistics.Received(context.Message.ProductId, SentAt(context));
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<ProductClassified> context) => Answered(context.Message.Queue, context.Message.ProductId, context);

    public Task Consume(ConsumeContext<AttributesExtracted> context) => Answered("extract", context.Message.ProductId, context);

    public Task Consume(ConsumeContext<IdentifiersValidated> context) => Answered("validate", context.Message.ProductId, context);

    public Task Consume(ConsumeContext<ProductStored> context) => Answered("store", context.Message.ProductId, context);

    public Task Consume(ConsumeContext<ProductCompleted> context)
    {
        statistics.Completed(context.Message, SentAt(context));
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<ProductFaulted> context)
    {
        statistics.Faulted(context.Message);
        return Task.CompletedTask;
    }

    Task Answered(string stage, Guid productId, ConsumeContext context)
    {
        if (PipelineStatistics.Rows.Contains(stage)) statistics.Answered(stage, productId, SentAt(context));
        return Task.CompletedTask;
    }

    static DateTime SentAt(ConsumeContext context) => context.SentTime ?? DateTime.UtcNow;
}

/// <summary>
/// A queue of this gateway's own (auto-delete, not durable, named for the instance): every replica hears every event, and a
/// stopped replica leaves no queue behind to fill up.
/// </summary>
public sealed class PipelineEventsEndpoint : IReceiveEndpointContributor
{
    /// <summary>The host's name (the pod's, on Kubernetes) and a random suffix: one per gateway, two in one process too.</summary>
    public string QueueName { get; } = $"gateway-events-{HostName()}-{Guid.NewGuid().ToString("N")[..8]}";

    public void Configure(IBusRegistrationContext context, IBusFactoryConfigurator bus) =>
        bus.ReceiveEndpoint(QueueName, endpoint =>
        {
            // Said here, on the transport's own settings: a consumer definition's "temporary" flag left the queue durable.
            if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
            {
                rabbit.AutoDelete = true;
                rabbit.Durable = false;
            }

            endpoint.PrefetchCount = 256;
            // Counting cannot fail in a way a retry would mend.
            endpoint.UseMessageRetry(retry => retry.None());
            // This queue hears copies: a message it cannot read is kept, with its reason, by the pipeline queue that owns it
            // (product-state_error, a stage's _skipped). Kept here too, it would fill error queues of a queue that is gone.
            endpoint.DiscardFaultedMessages();
            endpoint.DiscardSkippedMessages();
            endpoint.AcceptRawJsonAs<ProductTextReceived>();
            endpoint.ConfigureConsumer<PipelineEventsConsumer>(context);
        });

    static string HostName() =>
        new(Environment.MachineName.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(40).ToArray());
}

public static class PipelineEventsRegistration
{
    /// <summary>The consumer, on the endpoint <see cref="PipelineEventsEndpoint"/> declares (not a named queue of the pipeline).</summary>
    public static IBusRegistrationConfigurator AddPipelineEvents(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<PipelineEventsConsumer>().ExcludeFromConfigureEndpoints();
        return bus;
    }
}
