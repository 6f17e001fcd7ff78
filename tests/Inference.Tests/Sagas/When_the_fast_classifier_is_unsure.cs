using Inference.Contracts;
using Inference.Sagas;

namespace Inference.Tests.Sagas;

/// <summary>The cascade: below the gate the product goes to the deep classifier on <c>classify-deep</c>, and its answer decides the route.</summary>
public sealed class When_the_fast_classifier_is_unsure : ProductSagaScenario
{
    protected override double DeepGate => 0.7;

    readonly Guid _unsure = Guid.NewGuid();
    readonly Guid _sure = Guid.NewGuid();
    readonly Guid _deepUnsure = Guid.NewGuid();
    readonly Guid _deepFails = Guid.NewGuid();
    readonly Guid _noCategory = Guid.NewGuid();

    protected override async Task Given()
    {
        Script.Categories[_unsure] = ("computers-accessories", 0.55);
        Script.DeepCategories[_unsure] = ("home-garden", 0.8);
        Script.Categories[_sure] = ("office-products", 0.7); // at the gate: not below it
        Script.Categories[_deepUnsure] = ("office-products", 0.6);
        Script.DeepCategories[_deepUnsure] = ("office-products", 0.4); // the deep answer below Routing:MinConfidence
        Script.Categories[_deepFails] = ("audio", 0.3);
        Script.FailAt[_deepFails] = "classify-deep";
        Script.Categories[_noCategory] = (null, 0.0);
        foreach (var id in new[] { _unsure, _sure, _deepUnsure, _deepFails, _noCategory }) await Receive(id);
        foreach (var id in new[] { _unsure, _sure, _deepUnsure, _noCategory }) await InState(id, m => m.Completed);
        await InState(_deepFails, m => m.Faulted);
    }

    [Test]
    public async Task Should_route_by_the_deep_answer()
    {
        var saga = await InState(_unsure, m => m.Completed);
        using var scope = Assert.EnterMultipleScope();
        Assert.That(Script.QueueOf("classify-deep", _unsure), Is.EqualTo(QueueNames.ClassifyDeep));
        Assert.That(Script.QueueOf("extract", _unsure), Is.EqualTo("extract-home-garden"));
        Assert.That(saga.Category, Is.EqualTo("home-garden"));
        Assert.That(saga.ClassifiedBy, Is.EqualTo(Stage.ClassifyDeep));
        Assert.That(saga.FastCategory, Is.EqualTo("computers-accessories"));
        Assert.That(saga.FastConfidence, Is.EqualTo(0.55));
    }

    [Test]
    public async Task Should_record_both_models()
    {
        var saga = await InState(_unsure, m => m.Completed);
        Assert.That(saga.Models, Does.ContainKey(Stage.Classify).WithValue(Script.Model.ToString())
            .And.ContainKey(Stage.ClassifyDeep).WithValue(Script.DeepModel.ToString()));
    }

    [Test]
    public Task Should_take_the_fast_answer_at_or_above_the_gate() => FastPathTaken(this, _sure, "extract-office-products");

    /// <summary>The fast answer decided: no deep call, its route, its stage on record and no deep model.</summary>
    internal static async Task FastPathTaken(ProductSagaScenario scenario, Guid product, string extractQueue)
    {
        var saga = await scenario.Completed(product);
        using var scope = Assert.EnterMultipleScope();
        Assert.That(scenario.Calls.CallsTo(Stage.ClassifyDeep, product), Is.Zero);
        Assert.That(scenario.Calls.QueueOf("extract", product), Is.EqualTo(extractQueue));
        Assert.That(saga.ClassifiedBy, Is.EqualTo(Stage.Classify));
        Assert.That(saga.Models, Does.Not.ContainKey(Stage.ClassifyDeep));
    }

    [Test]
    public async Task Should_send_an_unsure_deep_answer_to_the_fallback()
    {
        var saga = await InState(_deepUnsure, m => m.Completed);
        Assert.That(Script.QueueOf("extract", _deepUnsure), Is.EqualTo("extract-generic"));
        Assert.That(saga.ClassifiedBy, Is.EqualTo(Stage.ClassifyDeep));
    }

    [Test]
    public void Should_not_ask_the_deep_classifier_without_a_category() =>
        Assert.That(Script.CallsTo("classify-deep", _noCategory), Is.Zero);

    [Test]
    public async Task Should_fault_at_the_deep_stage_when_it_fails()
    {
        var saga = await InState(_deepFails, m => m.Faulted);
        using var scope = Assert.EnterMultipleScope();
        Assert.That(saga.FaultStage, Is.EqualTo(Stage.ClassifyDeep));
        Assert.That(saga.FaultReason, Does.Contain("scripted failure in classify-deep"));
        Assert.That(Script.CallsTo("extract", _deepFails), Is.Zero);
    }
}

/// <summary>Gate 0 turns the deep stage off: an unsure product goes straight to the fallback extractor, as before the cascade.</summary>
public sealed class When_the_deep_gate_is_zero : ProductSagaScenario
{
    readonly Guid _unsure = Guid.NewGuid();

    protected override async Task Given()
    {
        Script.Categories[_unsure] = ("computers-accessories", 0.3);
        await Receive(_unsure);
        await InState(_unsure, m => m.Completed);
    }

    [Test]
    public Task Should_never_ask_the_deep_classifier() => When_the_fast_classifier_is_unsure.FastPathTaken(this, _unsure, "extract-generic");
}
