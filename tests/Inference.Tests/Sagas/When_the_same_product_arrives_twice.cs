using Inference.Contracts;

namespace Inference.Tests.Sagas;

public sealed class When_the_same_product_arrives_twice : ProductSagaScenario
{
    readonly Guid _inFlight = Guid.NewGuid();
    readonly Guid _finished = Guid.NewGuid();

    protected override async Task Given()
    {
        await Task.WhenAll(Receive(_inFlight), Receive(_inFlight));
        await InState(_inFlight, m => m.Completed);

        await Receive(_finished);
        await InState(_finished, m => m.Completed);
        await Receive(_finished);
        Assert.That(await Harness.Consumed.Any<ProductTextReceived>(m => m.Context.Message.ProductId == _finished), Is.True);
        await Harness.InactivityTask;
    }

    [Test]
    public void Should_run_one_pipeline_for_a_product_in_flight()
    {
        Assert.That(Script.CallsTo("classify", _inFlight), Is.EqualTo(1));
        Assert.That(Script.CallsTo("store", _inFlight), Is.EqualTo(1));
    }

    [Test]
    public void Should_not_rerun_a_finished_product() =>
        Assert.That(Script.CallsTo("classify", _finished), Is.EqualTo(1));

    [Test]
    public async Task Should_keep_the_finished_product_completed() =>
        Assert.That(await InState(_finished, m => m.Completed), Is.Not.Null);
}

public sealed class When_an_event_is_delivered_twice : ProductSagaScenario
{
    readonly Guid _product = Guid.NewGuid();

    protected override async Task Given()
    {
        Script.Identifiers[_product] = ("acme", null, null);
        await Receive(_product);
        await InState(_product, m => m.Completed);
        // A redelivered event for a stage the saga has passed must be ignored, not faulted.
        await Harness.Bus.Publish(Script.Classified(_product, "audio", 0.99));
        await Harness.Bus.Publish(new ProductStored(_product, 7, DateTimeOffset.UtcNow));
        await Harness.InactivityTask;
    }

    [Test]
    public async Task Should_leave_the_saga_as_it_was()
    {
        var saga = await InState(_product, m => m.Completed);
        Assert.That(saga.Category, Is.EqualTo("computers-accessories"));
        Assert.That(saga.Revision, Is.EqualTo(1));
        Assert.That(Script.CallsTo("extract", _product), Is.EqualTo(1));
    }

    [Test]
    public void Should_not_fault_the_duplicates() =>
        Assert.That(Harness.Published.Select<MassTransit.Fault<ProductClassified>>().Any(), Is.False);
}
