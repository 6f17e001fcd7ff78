using System.Threading.Channels;

namespace Inference.Hosting;

/// <summary>
/// Lets concurrently running consumers share one model call (or one database round trip) per batch, while each message keeps
/// its own acknowledgement, retry, <c>_error</c> queue and fault. MassTransit's <c>Batch&lt;T&gt;</c> succeeds or fails as a
/// whole, so one bad item would fault its neighbours; here a failed batch is run again one item at a time, and only the bad
/// item fails. Each service's batch job is a class of its own deriving from this one, next to its consumer.
/// </summary>
public class MicroBatcher<TIn, TOut> : IAsyncDisposable
{
    readonly Func<IReadOnlyList<TIn>, CancellationToken, Task<IReadOnlyList<TOut>>> _run;
    readonly BatchSettings _settings;
    readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    readonly CancellationTokenSource _stopping = new();
    readonly Task _loop;

    public MicroBatcher(Func<IReadOnlyList<TIn>, CancellationToken, Task<IReadOnlyList<TOut>>> run, BatchSettings settings)
    {
        _run = run;
        _settings = settings;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Batches run so far and the items they carried: the average batch size is the one figure that says batching works.</summary>
    public long Batches { get; private set; }
    public long Items { get; private set; }

    public Task<TOut> SubmitAsync(TIn item, CancellationToken cancellationToken = default)
    {
        var pending = new Pending(item, new TaskCompletionSource<TOut>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
            throw new ObjectDisposedException(nameof(MicroBatcher<TIn, TOut>), "the batcher is stopping");
        return cancellationToken.CanBeCanceled ? pending.Result.Task.WaitAsync(cancellationToken) : pending.Result.Task;
    }

    async Task LoopAsync()
    {
        var batch = new List<Pending>(_settings.MaxSize);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            await FillAsync(reader, batch);
            if (batch.Count > 0) await RunAsync(batch);
        }
    }

    /// <summary>Takes what is waiting; under load a batch fills while the previous one runs, at low load it waits at most MaxDelay.</summary>
    async Task FillAsync(ChannelReader<Pending> reader, List<Pending> batch)
    {
        while (batch.Count < _settings.MaxSize && reader.TryRead(out var pending)) batch.Add(pending);
        if (batch.Count >= _settings.MaxSize || _settings.MaxDelay <= TimeSpan.Zero) return;

        using var timeout = new CancellationTokenSource(_settings.MaxDelay);
        try
        {
            while (batch.Count < _settings.MaxSize && await reader.WaitToReadAsync(timeout.Token))
            {
                while (batch.Count < _settings.MaxSize && reader.TryRead(out var pending)) batch.Add(pending);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
        }
    }

    async Task RunAsync(List<Pending> batch)
    {
        Batches++;
        Items += batch.Count;
        try
        {
            var results = await _run(batch.Select(p => p.Item).ToArray(), _stopping.Token);
            if (results.Count != batch.Count)
                throw new InvalidOperationException($"a batch of {batch.Count} gave {results.Count} results");
            for (var i = 0; i < batch.Count; i++) batch[i].Result.TrySetResult(results[i]);
        }
        catch (Exception) when (batch.Count > 1)
        {
            // Someone in the batch is bad: run each alone so the others succeed and only the bad one faults.
            foreach (var pending in batch) await RunAsync([pending]);
        }
        catch (Exception e)
        {
            batch[0].Result.TrySetException(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
        _stopping.Dispose();
    }

    sealed record Pending(TIn Item, TaskCompletionSource<TOut> Result);
}

/// <summary>How a queue's work is batched: at most MaxSize items, waiting at most MaxDelay for a batch to fill.</summary>
public sealed record BatchSettings(int MaxSize, TimeSpan MaxDelay)
{
    public static readonly BatchSettings Single = new(1, TimeSpan.Zero);
}
