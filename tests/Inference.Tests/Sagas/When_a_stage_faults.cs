using Inference.Contracts;

namespace Inference.Tests.Sagas;

public sealed class When_a_stage_faults : ProductSagaScenario
{
    static readonly string[] Stages = ["classify", "extract", "validate", "store"];
    readonly Dictionary<string, Guid> _products = [];

    protected override async Task Given()
    {
        foreach (var stage in Stages)
        {
            var product = _products[stage] = Guid.NewGuid();
            Script.FailAt[product] = stage;
            await Receive(product);
        }

        foreach (var product in _products.Values)
            await InState(product, m => m.Faulted);
    }

    [TestCaseSource(nameof(Stages))]
    public async Task Should_fault_the_saga_with_stage_and_reason(string stage)
    {
        var saga = await InState(_products[stage], m => m.Faulted);
        Assert.That(saga.FaultStage, Is.EqualTo(stage));
        Assert.That(saga.FaultReason, Does.Contain($"scripted failure in {stage}"));
        Assert.That(saga.FaultReason, Does.StartWith("InvalidOperationException"));
        Assert.That(saga.FaultedAt, Is.Not.Null);
    }

    [TestCaseSource(nameof(Stages))]
    public void Should_not_run_later_stages(string stage)
    {
        var later = Stages.SkipWhile(s => s != stage).Skip(1);
        Assert.That(later.Sum(s => Script.CallsTo(s, _products[stage])), Is.Zero);
    }

    [TestCaseSource(nameof(Stages))]
    public void Should_retry_before_giving_up(string stage) =>
        Assert.That(Script.CallsTo(stage, _products[stage]), Is.EqualTo(2), "one delivery and one retry");

    [TestCaseSource(nameof(Stages))]
    public async Task Should_publish_product_faulted(string stage) =>
        Assert.That(await Harness.Published.Any<ProductFaulted>(m =>
            m.Context.Message.ProductId == _products[stage] && m.Context.Message.Stage == stage), Is.True);
}
