using MassTransit;

namespace Inference.Hosting;

/// <summary>
/// What an envelope's item sends to a queue that takes envelopes (<see cref="ProductBatchEndpoint"/>): a typed message joins the
/// next envelope to that queue (<see cref="ProductBatchSender"/>); a send-context callback (headers) has no envelope of its own to
/// act on and is not applied, which the saga's commands do not use. Anything sent untyped goes alone, through the queue's own endpoint.
/// </summary>
sealed class EnvelopeSendEndpoint(Uri queue, ProductBatchSender sender, ISendEndpoint alone) : ISendEndpoint
{
    public ConnectHandle ConnectSendObserver(ISendObserver observer) => alone.ConnectSendObserver(observer);

    public Task Send<T>(T message, CancellationToken cancellationToken = default) where T : class => sender.Send(queue, message, cancellationToken);

    public Task Send<T>(T message, IPipe<SendContext<T>> pipe, CancellationToken cancellationToken = default) where T : class =>
        sender.Send(queue, message, cancellationToken);

    public Task Send<T>(T message, IPipe<SendContext> pipe, CancellationToken cancellationToken = default) where T : class =>
        sender.Send(queue, message, cancellationToken);

    public Task Send(object message, CancellationToken cancellationToken = default) => alone.Send(message, cancellationToken);

    public Task Send(object message, Type messageType, CancellationToken cancellationToken = default) =>
        alone.Send(message, messageType, cancellationToken);

    public Task Send(object message, IPipe<SendContext> pipe, CancellationToken cancellationToken = default) =>
        alone.Send(message, pipe, cancellationToken);

    public Task Send(object message, Type messageType, IPipe<SendContext> pipe, CancellationToken cancellationToken = default) =>
        alone.Send(message, messageType, pipe, cancellationToken);

    public Task Send<T>(object values, CancellationToken cancellationToken = default) where T : class => alone.Send<T>(values, cancellationToken);

    public Task Send<T>(object values, IPipe<SendContext<T>> pipe, CancellationToken cancellationToken = default) where T : class =>
        alone.Send(values, pipe, cancellationToken);

    public Task Send<T>(object values, IPipe<SendContext> pipe, CancellationToken cancellationToken = default) where T : class =>
        alone.Send<T>(values, pipe, cancellationToken);
}
