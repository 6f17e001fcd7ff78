using System.Collections.Concurrent;
using System.Diagnostics;
using Inference.Contracts;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Inference.Hosting;

/// <summary>
/// Sends products' messages to a queue in <see cref="ProductBatch{T}"/> envelopes: the messages for one queue that are ready
/// together (a model batch's answers, the commands of a batch of answers the saga applied) leave as one durable, confirmed broker
/// message, without waiting for more. Each caller's task completes once the envelope carrying its message is confirmed, so nothing
/// is acknowledged sooner than before; an envelope that cannot be sent is sent again one message at a time, so only the message
/// that cannot be sent fails its caller. How many messages an envelope holds at most is the receiving queue's <c>BatchSize</c>
/// (<see cref="QueueOptions"/>): the work its consumer shares anyway. A queue whose batch size is 1 gets each message alone.
/// </summary>
public sealed class ProductBatchSender(IServiceProvider services, IOptions<QueueOptions> queues) : IAsyncDisposable
{
    // The bus is taken at the first send: the saga's endpoint is handed this sender while the bus itself is being built.
    readonly Lazy<IBus> _bus = new(services.GetRequiredService<IBus>);

    /// <summary>The spans of the products in an envelope, one per item, each in its product's own trace.</summary>
    public static readonly ActivitySource Spans = new("Inference.ProductBatch");

    readonly ConcurrentDictionary<(Uri, Type), IAsyncDisposable> _batchers = new();

    /// <summary>Whether messages to <paramref name="queue"/> travel in envelopes.</summary>
    public bool Batches(string queue) => queues.Value.For(queue).BatchSize > 1;

    /// <summary>Completes once <paramref name="message"/> is with the broker (confirmed), in an envelope with its neighbours.</summary>
    public Task Send<T>(Uri queue, T message, CancellationToken cancellationToken) where T : class
    {
        if (!_batchers.TryGetValue((queue, typeof(T)), out var batcher))
        {
            lock (_batchers) batcher = _batchers.GetOrAdd((queue, typeof(T)), _ => Batcher<T>(queue)); // one batcher and loop each
        }

        return ((MicroBatcher<ProductBatchItem<T>, bool>)batcher).SubmitAsync(new ProductBatchItem<T>(message, Activity.Current?.Id), cancellationToken);
    }

    MicroBatcher<ProductBatchItem<T>, bool> Batcher<T>(Uri queue) where T : class =>
        new(async (items, cancellationToken) =>
        {
            var endpoint = await _bus.Value.GetSendEndpoint(queue);
            await endpoint.Send(new ProductBatch<T>(items), cancellationToken);
            return new bool[items.Count];
        }, new BatchSettings(queues.Value.For(queue.AbsolutePath).BatchSize, TimeSpan.Zero));

    public async ValueTask DisposeAsync()
    {
        foreach (var batcher in _batchers.Values) await batcher.DisposeAsync();
    }
}
