using Inference.Contracts;

namespace Inference.Tests.Sagas;

/// <summary>
/// Re-enrichment after a model upgrade, as the saga sees <c>ReprocessProduct</c>: a product made by an older classifier runs
/// again as the next revision and is made by the newer one; a stored product whose saga has expired runs from its record,
/// above the stored revision; a product in flight is left to its run. On the in-memory harness and on RabbitMQ and Redis.
/// </summary>
[TestFixture(false)]
[TestFixture(true, Category = "Integration")]
public sealed class When_a_product_is_reprocessed(bool onRealServers) : ProductSagaScenario(onRealServers)
{
    static readonly ModelRef Old = new("scripted-classifier", "1.0.0");
    static readonly ModelRef New = new("scripted-classifier", "1.1.0");
    const string Text = "acme ac-1000 usb keyboard black";

    readonly Guid _stored = Guid.NewGuid();
    readonly Guid _expired = Guid.NewGuid();
    readonly Guid _inFlight = Guid.NewGuid();
    DateTimeOffset _expiredReceivedAt = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    protected override async Task Given()
    {
        Script.ClassifierModel = Old;
        await Receive(_stored, Text);
        var held = Script.Hold(_inFlight, "extract");
        await Receive(_inFlight, Text);
        await InState(_stored, m => m.Completed);
        await Until(_inFlight, _ => Script.CallsTo("extract", _inFlight) == 1, "reached the held extractor");

        Script.ClassifierModel = New; // the classifier is upgraded
        var stored = (await Load(_stored))!;
        await SendToSaga(new ReprocessProduct(_stored, stored.Source, stored.SourceId, stored.Text, stored.ReceivedAt, StoredRevision: 1, DateTimeOffset.UtcNow));
        await SendToSaga(new ReprocessProduct(_expired, "feed", "sku-9", Text, _expiredReceivedAt, StoredRevision: 4, DateTimeOffset.UtcNow));
        await SendToSaga(new ReprocessProduct(_inFlight, "test", null, Text, DateTimeOffset.UtcNow, StoredRevision: 0, DateTimeOffset.UtcNow));

        await Until(_stored, s => s.Revision == 2 && s.CurrentState == "Completed", "completed revision 2");
        await InState(_expired, m => m.Completed);
        held.SetResult();
        await InState(_inFlight, m => m.Completed);
        await Harness.InactivityTask;
    }

    [Test]
    public async Task Should_re_enrich_a_product_of_the_older_classifier_with_the_newer_one()
    {
        var saga = await InState(_stored, m => m.Completed);
        Assert.That(saga.Models["classify"], Is.EqualTo(New.ToString()));
        var records = Script.Stored.Where(s => s.ProductId == _stored).ToArray();
        Assert.That(records.Select(r => (r.Revision, r.Models["classify"])),
            Is.EqualTo(new[] { (1L, Old.ToString()), (2L, New.ToString()) }), "each record keeps the model versions that made it");
        Assert.That(records[1].Text, Is.EqualTo(Text));
    }

    [Test]
    public async Task Should_run_an_expired_product_from_its_record_above_the_stored_revision()
    {
        var saga = await InState(_expired, m => m.Completed);
        Assert.That((saga.Revision, saga.Source, saga.SourceId, saga.ReceivedAt), Is.EqualTo((5L, "feed", "sku-9", _expiredReceivedAt)));
        Assert.That(Script.Stored.Single(s => s.ProductId == _expired).Revision, Is.EqualTo(5));
    }

    [Test]
    public async Task Should_leave_a_product_in_flight_to_its_run()
    {
        var saga = await InState(_inFlight, m => m.Completed);
        Assert.That(saga.Revision, Is.EqualTo(1));
        Assert.That(Script.CallsTo("classify", _inFlight), Is.EqualTo(1));
    }
}
