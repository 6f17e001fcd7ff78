namespace Inference.Tests.Sagas;

public sealed class When_products_are_routed : ProductSagaScenario
{
    // category, confidence → the extract queue the saga must choose
    static readonly (string? Category, double Confidence, string Queue)[] Cases =
    [
        ("computers-accessories", 0.9, "extract-computers-accessories"),
        ("office-products", 0.8, "extract-office-products"),
        ("home-garden", 0.7, "extract-home-garden"),
        ("jewelry-watches", 0.99, "extract-jewelry-watches"),
        ("audio", 0.95, "extract-generic"),
        ("office-products", 0.3, "extract-generic"),
        (null, 0.0, "extract-generic"),
        ("unheard-of", 0.9, "extract-generic"),
    ];

    readonly Dictionary<int, Guid> _products = [];

    protected override async Task Given()
    {
        for (var i = 0; i < Cases.Length; i++)
        {
            _products[i] = Guid.NewGuid();
            Script.Categories[_products[i]] = (Cases[i].Category, Cases[i].Confidence);
            await Receive(_products[i]);
        }

        foreach (var product in _products.Values)
            await InState(product, m => m.Completed);
    }

    static IEnumerable<TestCaseData> Routes() =>
        Cases.Select((c, i) => new TestCaseData(i, c.Queue).SetName($"Should_send_{c.Category ?? "null"}_at_{c.Confidence}_to_{c.Queue}"));

    [TestCaseSource(nameof(Routes))]
    public async Task Should_send_to_the_routed_extractor(int index, string queue)
    {
        Assert.That(Script.QueueOf("extract", _products[index]), Is.EqualTo(queue));
        var saga = await InState(_products[index], m => m.Completed);
        Assert.That(saga.Extractor, Is.EqualTo(queue["extract-".Length..]));
    }
}
