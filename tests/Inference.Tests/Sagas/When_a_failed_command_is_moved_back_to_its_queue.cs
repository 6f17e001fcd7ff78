using Inference.Cli.Operations;
using Inference.Contracts;
using MassTransit;

namespace Inference.Tests.Sagas;

/// <summary>
/// Redrive: the command of a product Faulted at a stage lies in the stage's <c>_error</c> queue; once the cause is mended it
/// is moved back to the stage's queue (<c>inference redrive &lt;queue&gt;</c>), consumed, and its answer moves the saga on
/// from Faulted to the end, instead of being ignored. On RabbitMQ the real error queues are moved by <see cref="ErrorQueueRedrive"/>;
/// in memory the faulted commands are sent to their queues again, which is what a redrive does.
/// </summary>
[TestFixture(false)]
[TestFixture(true, Category = "Integration")]
public sealed class When_a_failed_command_is_moved_back_to_its_queue(bool onRealServers) : ProductSagaScenario(onRealServers)
{
    static readonly Dictionary<string, string> QueueOf = new()
    {
        ["classify"] = QueueNames.Classify,
        ["classify-deep"] = QueueNames.ClassifyDeep,
        ["extract"] = QueueNames.Extract("computers-accessories"),
        ["validate"] = QueueNames.Validate,
        ["store"] = QueueNames.Store,
    };

    static readonly string[] Stages = [.. QueueOf.Keys];
    readonly Dictionary<string, Guid> _products = [];
    readonly Dictionary<string, RedriveResult> _redriven = [];

    protected override double DeepGate => 0.7;

    protected override async Task Given()
    {
        foreach (var stage in Stages) _products[stage] = await ReceiveFailingAt(stage);

        foreach (var product in _products.Values) await InState(product, m => m.Faulted);
        foreach (var product in _products.Values) Script.FailAt.TryRemove(product, out _);

        foreach (var (stage, queue) in QueueOf)
        {
            if (Broker is null)
                await SendFaultedCommandAgain(stage, queue);
            else
            {
                // The saga hears of the fault as the message is moved to the error queue: wait until it lies there.
                var redrive = new ErrorQueueRedrive(Broker.AmqpUri());
                var giveUpAt = DateTime.UtcNow + Harness.TestTimeout;
                while (await redrive.WaitingAsync(queue, CancellationToken.None) is not > 0 && DateTime.UtcNow < giveUpAt)
                    await Task.Delay(50);
                _redriven[stage] = await redrive.MoveBackAsync(queue, limit: null, CancellationToken.None);
            }
        }

        foreach (var product in _products.Values) await InState(product, m => m.Completed);
        await Harness.InactivityTask;
    }

    /// <summary>In memory: the command the stage faulted on, as the saga sent it, sent to the queue once more.</summary>
    async Task SendFaultedCommandAgain(string stage, string queue)
    {
        var product = _products[stage];
        var sent = Harness.Sent.Select(m => m.Context.DestinationAddress?.AbsolutePath.Trim('/') == queue && ProductOf(m.MessageObject) == product)
            .Single();
        var endpoint = await Harness.Bus.GetSendEndpoint(new Uri($"queue:{queue}"));
        await endpoint.Send(sent.MessageObject, sent.MessageType);
    }

    static Guid? ProductOf(object message) => message switch
    {
        ClassifyProduct m => m.ProductId,
        ClassifyProductDeep m => m.ProductId,
        ExtractAttributes m => m.ProductId,
        ValidateIdentifiers m => m.ProductId,
        StoreProduct m => m.ProductId,
        _ => null,
    };

    [TestCaseSource(nameof(Stages))]
    public async Task Should_move_the_saga_on_to_completed(string stage)
    {
        var saga = await InState(_products[stage], m => m.Completed);
        Assert.That(saga.Attempt, Is.EqualTo(2), "leaving Faulted counts an attempt");
        Assert.That(saga.FaultStage, Is.Null);
        Assert.That(saga.StoredAt, Is.Not.Null);
    }

    [TestCaseSource(nameof(Stages))]
    public void Should_run_the_stages_after_the_failed_one(string stage)
    {
        var product = _products[stage];
        Assert.That(Script.Stored.Count(s => s.ProductId == product), Is.EqualTo(1), "stored once");
        Assert.That(Script.CallsTo(stage, product), Is.EqualTo(3), "one delivery and one retry, then the moved-back command");
        Assert.That(Script.Ends.OfType<ProductCompleted>().Count(c => c.ProductId == product), Is.EqualTo(1));
        // On RabbitMQ: the one faulted command was taken out of the error queue, none left behind.
        if (Broker is not null)
            Assert.That(_redriven[stage], Is.EqualTo(new RedriveResult(QueueOf[stage], Waiting: 1, Moved: 1, Left: 0)));
    }
}
