using System.Collections.Concurrent;
using Inference.Contracts;
using MassTransit;

namespace Inference.Cli;

/// <summary>Which products of this run have finished (stored or faulted).</summary>
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

/// <summary>Hears the pipeline's terminal events and counts them for the progress bar.</summary>
public sealed class RunTracker(RunProgress progress) : IConsumer<ProductStored>, IConsumer<ProductFaulted>
{
    public Task Consume(ConsumeContext<ProductStored> context)
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
