using System.Collections.Concurrent;
using Inference.Contracts;
using MassTransit;

namespace Inference.Cli;

/// <summary>Which products of this run have ended (Completed or Faulted), as the saga announced it.</summary>
public sealed class RunProgress
{
    readonly ConcurrentDictionary<Guid, byte> _finished = new();

    public int Finished => _finished.Count;

    public DateTimeOffset LastChange { get; private set; } = DateTimeOffset.UtcNow;

    public void MarkFinished(Guid productId)
    {
        if (_finished.TryAdd(productId, 0)) LastChange = DateTimeOffset.UtcNow;
    }
}

/// <summary>
/// Hears the saga's end events: a product is finished when its saga says so (<see cref="ProductCompleted"/> or
/// <see cref="ProductFaulted"/>, published once its state is saved), so the run never polls the saga store.
/// </summary>
public sealed class RunTracker(RunProgress progress) : IConsumer<ProductCompleted>, IConsumer<ProductFaulted>
{
    public Task Consume(ConsumeContext<ProductCompleted> context)
    {
        progress.MarkFinished(context.Message.ProductId);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<ProductFaulted> context)
    {
        progress.MarkFinished(context.Message.ProductId);
        return Task.CompletedTask;
    }
}
