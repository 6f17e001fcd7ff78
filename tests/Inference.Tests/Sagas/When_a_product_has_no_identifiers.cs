namespace Inference.Tests.Sagas;

public sealed class When_a_product_has_no_identifiers : ProductSagaScenario
{
    readonly Guid _product = Guid.NewGuid();

    protected override async Task Given()
    {
        Script.Identifiers[_product] = ("acme", null, null);
        await Receive(_product, "acme keyboard");
        await InState(_product, m => m.Completed);
    }

    [Test]
    public void Should_skip_validation() => Assert.That(Script.CallsTo("validate", _product), Is.Zero);

    [Test]
    public void Should_still_store() => Assert.That(Script.CallsTo("store", _product), Is.EqualTo(1));
}

public sealed class When_a_product_has_only_a_gtin : ProductSagaScenario
{
    readonly Guid _product = Guid.NewGuid();

    protected override async Task Given()
    {
        Script.Identifiers[_product] = (null, null, "4006381333931");
        await Receive(_product);
        await InState(_product, m => m.Completed);
    }

    [Test]
    public void Should_validate() => Assert.That(Script.CallsTo("validate", _product), Is.EqualTo(1));
}
