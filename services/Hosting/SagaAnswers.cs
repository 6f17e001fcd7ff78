using Inference.Contracts;
using MassTransit;

namespace Inference.Hosting;

/// <summary>
/// How a stage's service gives the saga its answer for one product: in a <see cref="ProductBatch{T}"/> sent straight to the saga's
/// queue with the answers ready beside it (<see cref="ProductBatchSender"/>), or, when the saga's queue takes no batches
/// (<c>Queues:Overrides:product-state:BatchSize</c> 1), published as its event, for deployments with subscribers of their own.
/// </summary>
public sealed class SagaAnswers(ProductBatchSender sender)
{
    static readonly Uri SagaQueue = new($"queue:{QueueNames.ProductState}");

    readonly bool _batched = sender.Batches(QueueNames.ProductState);

    /// <summary>Completes once the answer is with the broker (confirmed).</summary>
    public Task Send<T>(ConsumeContext context, T answer) where T : class =>
        _batched ? sender.Send(SagaQueue, answer, context.CancellationToken) : context.Publish(answer, context.CancellationToken);
}
