using MassTransit;

namespace Inference.Hosting;

/// <summary>
/// Raw JSON (content type <c>application/json</c>: the message's fields alone, no envelope) beside MassTransit's envelope, so a
/// producer needs no MassTransit to publish. A raw message does not say its type, and MassTransit would hand it to every
/// consumer of the endpoint as whatever type each one asks for (a saga's every event): here it is one type only.
/// </summary>
public static class RawJsonMessages
{
    public const string ContentType = "application/json";

    /// <summary>Reads raw JSON on this endpoint as <typeparamref name="T"/> and as nothing else; envelopes are read as before.</summary>
    public static void AcceptRawJsonAs<T>(this IReceiveEndpointConfigurator endpoint)
        where T : class
    {
        endpoint.UseRawJsonDeserializer(RawSerializerOptions.Default, isDefault: false);
        endpoint.UseFilter(new RawJsonAsFilter<T>());
    }

    /// <summary>
    /// MassTransit runs an endpoint's filters once per message type the message is read as; for raw JSON every type the endpoint
    /// consumes qualifies, so all but <typeparamref name="T"/> are stopped here.
    /// </summary>
    sealed class RawJsonAsFilter<T> : IFilter<ConsumeContext>
        where T : class
    {
        public Task Send(ConsumeContext context, IPipe<ConsumeContext> next) =>
            context is not ConsumeContext<T> && string.Equals(context.ReceiveContext.ContentType?.MediaType, ContentType, StringComparison.OrdinalIgnoreCase)
                ? Task.CompletedTask
                : next.Send(context);

        public void Probe(ProbeContext context) => context.CreateFilterScope("rawJsonAs").Add("messageType", typeof(T).Name);
    }
}
