using Inference.Contracts;
using Inference.Sagas;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Tests.Sagas;

/// <summary>
/// <c>POST /v1/products/{id}/retry</c> as the saga sees it: a product Faulted at any stage runs again from that stage once the
/// cause is mended (the earlier stages are not run again), the attempt is counted, and a product that is not Faulted is left
/// alone. On the in-memory harness and on RabbitMQ and Redis.
/// </summary>
[TestFixture(false)]
[TestFixture(true, Category = "Integration")]
public sealed class When_a_faulted_product_is_retried(bool onRealServers) : ProductSagaScenario(onRealServers)
{
    static readonly string[] Stages = ["classify", "classify-deep", "extract", "validate", "store"];
    readonly Dictionary<string, Guid> _products = [];
    readonly Guid _failsAgain = Guid.NewGuid();
    readonly Guid _completed = Guid.NewGuid();
    readonly Guid _inFlight = Guid.NewGuid();

    protected override double DeepGate => 0.7;

    protected override async Task Given()
    {
        foreach (var stage in Stages) _products[stage] = await ReceiveFailingAt(stage);

        Script.FailAt[_failsAgain] = "extract";
        await Receive(_failsAgain);
        await Receive(_completed);
        var held = Script.Hold(_inFlight, "extract");
        await Receive(_inFlight);
        foreach (var product in _products.Values.Append(_failsAgain)) await InState(product, m => m.Faulted);
        await InState(_completed, m => m.Completed);
        await Until(_inFlight, saga => Script.CallsTo("extract", _inFlight) == 1, "reached the held extractor");

        foreach (var product in _products.Values) Script.FailAt.TryRemove(product, out _); // the cause is mended
        foreach (var product in _products.Values.Append(_failsAgain).Append(_completed).Append(_inFlight)) await Retry(product);

        foreach (var product in _products.Values) await InState(product, m => m.Completed);
        await Until(_failsAgain, saga => saga.CurrentState == "Faulted" && saga.Attempt == 2, "faulted again on its second attempt");
        held.SetResult();
        await InState(_inFlight, m => m.Completed);
        await Harness.InactivityTask;
    }

    [TestCaseSource(nameof(Stages))]
    public async Task Should_complete_on_the_second_attempt(string stage)
    {
        var saga = await InState(_products[stage], m => m.Completed);
        Assert.That(saga.Attempt, Is.EqualTo(2));
        Assert.That(saga.FaultStage, Is.Null, "the fault is history once the product runs again");
        Assert.That(saga.Revision, Is.EqualTo(1), "a retry is the same run");
    }

    [TestCaseSource(nameof(Stages))]
    public void Should_run_the_failed_stage_again_and_no_earlier_one(string stage)
    {
        var product = _products[stage];
        Assert.That(Script.CallsTo(stage, product), Is.EqualTo(3), "one delivery and one retry, then the retried command");
        foreach (var earlier in Stages.TakeWhile(s => s != stage))
        {
            var expected = earlier == "classify-deep" ? 0 : 1; // only the unsure product took the deep path
            Assert.That(Script.CallsTo(earlier, product), Is.EqualTo(expected), earlier);
        }
    }

    [Test]
    public void Should_store_each_retried_product_once() =>
        Assert.That(_products.Values.Select(p => Script.Stored.Count(s => s.ProductId == p)), Has.All.EqualTo(1));

    [Test]
    public async Task Should_fault_again_with_the_attempt_counted_when_the_stage_fails_again()
    {
        var saga = await Until(_failsAgain, s => s.Attempt == 2, "counted its second attempt");
        Assert.That(saga.CurrentState, Is.EqualTo("Faulted"));
        Assert.That(saga.FaultStage, Is.EqualTo("extract"));
        Assert.That(Script.Ends.OfType<ProductFaulted>().Count(f => f.ProductId == _failsAgain), Is.EqualTo(2), "each fault is announced");
    }

    [Test]
    public async Task Should_list_as_faulted_only_the_product_that_faulted_again()
    {
        var faulted = await Services.GetRequiredService<IFaultedProducts>().Between(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddMinutes(1), 100);
        Assert.That(faulted, Is.EqualTo(new[] { _failsAgain }));
    }

    [Test]
    public async Task Should_leave_a_product_that_is_not_faulted()
    {
        var completed = await InState(_completed, m => m.Completed);
        var inFlight = await InState(_inFlight, m => m.Completed);
        Assert.That((completed.Attempt, inFlight.Attempt), Is.EqualTo((1, 1)));
        Assert.That(Script.CallsTo("classify", _completed), Is.EqualTo(1));
        Assert.That(Script.CallsTo("extract", _inFlight), Is.EqualTo(1));
    }
}
