using System.Collections.Concurrent;
using Inference.Hosting;

namespace Inference.Tests.Hosting;

public sealed class MicroBatcherTests
{
    [Test]
    public async Task Should_share_one_call_among_concurrent_submissions()
    {
        var gate = new TaskCompletionSource();
        var sizes = new ConcurrentQueue<int>();
        await using var batcher = new MicroBatcher<int, int>(async (items, _) =>
        {
            sizes.Enqueue(items.Count);
            await gate.Task;
            return items.Select(i => i * 10).ToArray();
        }, new BatchSettings(16, TimeSpan.FromMilliseconds(50)));

        var first = batcher.SubmitAsync(0);
        var rest = Enumerable.Range(1, 40).Select(i => batcher.SubmitAsync(i)).ToArray();
        gate.SetResult();

        Assert.That(await first, Is.Zero);
        Assert.That(await Task.WhenAll(rest), Is.EqualTo(Enumerable.Range(1, 40).Select(i => i * 10)));
        Assert.That(sizes, Has.All.LessThanOrEqualTo(16));
        Assert.That(sizes.Sum(), Is.EqualTo(41));
        Assert.That(sizes.Count, Is.LessThan(10), "41 items while the first call blocked: batches of up to 16, not one call each");
        Assert.That(batcher.Items, Is.EqualTo(41));
    }

    [Test]
    public async Task Should_fault_only_the_bad_item_of_a_batch()
    {
        var gate = new TaskCompletionSource();
        await using var batcher = new MicroBatcher<string, string>(async (items, _) =>
        {
            await gate.Task;
            if (items.Contains("bad")) throw new FormatException("bad item");
            return items.Select(s => s.ToUpperInvariant()).ToArray();
        }, new BatchSettings(32, TimeSpan.FromMilliseconds(20)));

        var submissions = new[] { "a", "b", "bad", "c", "d" }.Select(s => batcher.SubmitAsync(s)).ToArray();
        gate.SetResult();

        Assert.That(await submissions[0], Is.EqualTo("A"));
        Assert.That(await submissions[4], Is.EqualTo("D"));
        Assert.That(async () => await submissions[2], Throws.TypeOf<FormatException>());
        Assert.That(submissions.Count(s => s.IsCompletedSuccessfully), Is.EqualTo(4));
    }

    [Test]
    public async Task Should_not_wait_longer_than_the_delay_for_a_lone_item()
    {
        await using var batcher = new MicroBatcher<int, int>((items, _) => Task.FromResult<IReadOnlyList<int>>(items.ToArray()),
            new BatchSettings(1000, TimeSpan.FromMilliseconds(30)));
        var started = DateTime.UtcNow;
        Assert.That(await batcher.SubmitAsync(7), Is.EqualTo(7));
        Assert.That(DateTime.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(batcher.Batches, Is.EqualTo(1));
    }

    [Test]
    public async Task Should_refuse_a_batch_that_loses_results()
    {
        await using var batcher = new MicroBatcher<int, int>((_, _) => Task.FromResult<IReadOnlyList<int>>([]), BatchSettings.Single);
        Assert.That(async () => await batcher.SubmitAsync(1), Throws.InvalidOperationException.With.Message.Contains("gave 0 results"));
    }
}
