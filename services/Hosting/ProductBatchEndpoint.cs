using System.Diagnostics;
using Inference.Contracts;
using MassTransit;
using MassTransit.Configuration;
using MassTransit.Context;
using Microsoft.Extensions.Logging;

namespace Inference.Hosting;

/// <summary>
/// Opens the <see cref="ProductBatch{T}"/> envelopes a queue receives (<see cref="ProductBatchSender"/>). Each item goes through the
/// endpoint's own pipe as if it had arrived alone: its consumer or saga, its retries, its conflicts retried, its sends held until
/// its work is done. The items run at once, so their model call, upsert or Redis round trips are shared. An item that still fails
/// after its retries is sent back to the queue alone, where it has its own retries, <c>_error</c> queue and fault, and its
/// neighbours go on. The envelope is acknowledged once every item is done or sent back: a crash before then redelivers it, and the
/// items are handled again as redelivered messages are (consumers are idempotent; the saga sends an applied item's awaited command
/// again).
/// </summary>
public static class ProductBatchEndpoint
{
    /// <param name="commands">
    /// When given (the saga's endpoint), what the items send to a queue that takes envelopes goes in envelopes too, with the other
    /// items' messages to that queue.
    /// </param>
    public static void AcceptProductBatches<T>(this IReceiveEndpointConfigurator endpoint, ProductBatchSender? commands = null) where T : class
    {
        // The endpoint's whole consume pipe (each message type's filters, then its consumer or saga), built by the time a message arrives.
        var configuration = (IReceiveEndpointConfiguration)endpoint;
        var pipe = new Lazy<IPipe<ConsumeContext>>(() => configuration.ConsumePipe);
        endpoint.Handler<ProductBatch<T>>(batch => Task.WhenAll(batch.Message.Items.Select(item => Apply(batch, item, pipe.Value, commands))));
    }

    static async Task Apply<T>(ConsumeContext batch, ProductBatchItem<T> item, IPipe<ConsumeContext> pipe, ProductBatchSender? commands)
        where T : class
    {
        using var span = item.TraceParent is null ? null
            : ProductBatchSender.Spans.StartActivity($"{batch.ReceiveContext.InputAddress.AbsolutePath.TrimEnd('/').Split('/')[^1]} {typeof(T).Name}",
                ActivityKind.Consumer, item.TraceParent);
        try
        {
            await pipe.Send(new ItemContext<T>(batch, item.Message, commands));
        }
        catch (Exception e) when (!batch.CancellationToken.IsCancellationRequested)
        {
            LogContext.Current?.CreateLogContext(typeof(ProductBatchEndpoint).FullName!).Logger.LogWarning(e,
                "{MessageType} of envelope {MessageId} failed after its retries: sent back to {Queue} alone",
                typeof(T).Name, batch.MessageId, batch.ReceiveContext.InputAddress);
            var queue = await batch.GetSendEndpoint(batch.ReceiveContext.InputAddress);
            await queue.Send(item.Message, batch.CancellationToken);
        }
    }

    /// <summary>One item of an envelope, seen by the pipe as a message of its own type; payloads added to it stay its own.</summary>
    sealed class ItemContext<T>(ConsumeContext batch, T message, ProductBatchSender? commands) : ConsumeContextProxy(batch), ConsumeContext<T>
        where T : class
    {
        static readonly string[] MessageTypes = [MessageUrn.ForTypeString<T>()];

        public T Message => message;

        public override IEnumerable<string> SupportedMessageTypes => MessageTypes;

        public override bool HasMessageType(Type messageType) => messageType.IsAssignableFrom(typeof(T));

        public override bool TryGetMessage<TOther>(out ConsumeContext<TOther> consumeContext)
        {
            consumeContext = (this as ConsumeContext<TOther>)!;
            return consumeContext is not null;
        }

        public override async Task<ISendEndpoint> GetSendEndpoint(Uri address) =>
            commands is not null && address.Scheme == "queue" && commands.Batches(address.AbsolutePath)
                ? new EnvelopeSendEndpoint(address, commands, await base.GetSendEndpoint(address))
                : await base.GetSendEndpoint(address);

        public Task NotifyConsumed(TimeSpan duration, string consumerType) => NotifyConsumed(this, duration, consumerType);

        public Task NotifyFaulted(TimeSpan duration, string consumerType, Exception exception) => NotifyFaulted(this, duration, consumerType, exception);
    }
}
