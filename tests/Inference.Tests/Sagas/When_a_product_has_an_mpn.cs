using Inference.Contracts;
using Inference.Sagas;

namespace Inference.Tests.Sagas;

public sealed class When_a_product_has_an_mpn : ProductSagaScenario
{
    readonly Guid _product = Guid.NewGuid();
    ProductState _saga = null!;

    protected override async Task Given()
    {
        Script.Categories[_product] = ("computers-accessories", 0.93);
        Script.Identifiers[_product] = ("acme", "AC-1000", null);
        await Receive(_product);
        _saga = await InState(_product, m => m.Completed);
    }

    [Test]
    public void Should_run_every_stage_once_in_order() =>
        Assert.That(Script.Calls.Where(c => c.ProductId == _product).Select(c => c.Stage),
            Is.EqualTo(new[] { "classify", "extract", "validate", "store" }));

    [Test]
    public void Should_record_the_classification()
    {
        Assert.That(_saga.Category, Is.EqualTo("computers-accessories"));
        Assert.That(_saga.Confidence, Is.EqualTo(0.93));
        Assert.That(_saga.TopK.Single().Category, Is.EqualTo("computers-accessories"));
        Assert.That(_saga.ClassifiedAt, Is.Not.Null);
    }

    [Test]
    public void Should_record_extraction_and_validation()
    {
        Assert.That(_saga.Mpn, Is.EqualTo("AC-1000"));
        Assert.That(_saga.Attributes["Colour"], Is.EqualTo("black"));
        Assert.That(_saga.Verdicts.Single().Kind, Is.EqualTo("mpn"));
        Assert.That(_saga.Models.Keys, Is.EquivalentTo(new[] { Stage.Classify, Stage.Extract, Stage.Validate }));
    }

    [Test]
    public void Should_store_the_enriched_record_and_its_revision()
    {
        var store = Harness.Sent.Select<StoreProduct>(m => m.Context.Message.ProductId == _product).Single().Context.Message;
        Assert.That(store.Mpn, Is.EqualTo("AC-1000"));
        Assert.That(store.Verdicts, Has.Count.EqualTo(1));
        Assert.That(store.Text, Is.EqualTo(_saga.Text));
        Assert.That(_saga.Revision, Is.EqualTo(1));
        Assert.That(_saga.StoredAt, Is.Not.Null);
    }
}
