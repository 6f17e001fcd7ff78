using Inference.Contracts;
using Inference.Orchestrator;
using MassTransit;
using MassTransit.Testing;

namespace Inference.Tests.Sagas;

/// <summary>ProductTextReceived published past the Gateway, breaking its rules: the saga's door refuses it before any saga starts.</summary>
public sealed class When_a_product_breaks_the_door_rules : ProductSagaScenario
{
    readonly Guid _emptyText = Guid.NewGuid();
    readonly Guid _longText = Guid.NewGuid();
    readonly Guid _nulInSource = Guid.NewGuid();
    readonly Guid _noReceivedAt = Guid.NewGuid();

    protected override async Task Given()
    {
        await Harness.Bus.Publish(new ProductTextReceived(Guid.Empty, "test", null, "a product without an id"));
        await Harness.Bus.Publish(new ProductTextReceived(_emptyText, "test", null, " "));
        await Harness.Bus.Publish(new ProductTextReceived(_longText, "test", null, new string('é', 40_000)));
        await Harness.Bus.Publish(new ProductTextReceived(_nulInSource, "te\0st", null, "acme ac-1000 usb keyboard"));
        await Harness.Bus.Publish(new ProductTextReceived(_noReceivedAt, "test", null, "acme ac-1000 usb keyboard"));
        await InState(_noReceivedAt, m => m.Completed);
        await Harness.InactivityTask;
    }

    [Test]
    public void Should_start_no_saga_and_send_no_command()
    {
        foreach (var id in new[] { Guid.Empty, _emptyText, _longText, _nulInSource })
        {
            Assert.That(Saga.Created.Select(x => x.CorrelationId == id).Any(), Is.False, id.ToString());
            Assert.That(Script.CallsTo("classify", id), Is.EqualTo(0), id.ToString());
        }
    }

    [TestCase("productId")]
    [TestCase("text is empty")]
    [TestCase("text is 80,000 bytes of UTF-8")]
    [TestCase("source holds a NUL")]
    public async Task Should_fault_the_message_with_the_rule_it_broke(string problem)
    {
        var faults = Harness.Published.Select<Fault<ProductTextReceived>>()
            .SelectMany(f => f.Context.Message.Exceptions)
            .Where(e => e.ExceptionType == typeof(ProductRejectedException).FullName)
            .Select(e => e.Message)
            .ToArray();
        Assert.That(faults, Has.Exactly(1).Contains(problem), string.Join("\n", faults));
        await Task.CompletedTask;
    }

    [Test]
    public void Should_announce_each_rejection_once() =>
        Assert.That(Harness.Published.Select<Fault<ProductTextReceived>>().Count(), Is.EqualTo(4));

    [Test]
    public async Task Should_run_a_product_without_received_at_from_its_receipt()
    {
        var saga = await InState(_noReceivedAt, m => m.Completed);
        Assert.That(saga.ReceivedAt, Is.GreaterThan(DateTimeOffset.UtcNow.AddMinutes(-5)).And.LessThanOrEqualTo(saga.UpdatedAt));
    }
}
