using Inference.Contracts;

namespace Inference.Tests.Sagas;

/// <summary>
/// Revisions: a different text for a product whose run has ended starts revision n+1, kept in the saga and sent to the store;
/// the same text again is a duplicate. For a product in flight the run goes on with its text and the newest text received
/// meanwhile runs next (an intermediate one never runs). On the in-memory harness and on RabbitMQ and Redis.
/// </summary>
[TestFixture(false)]
[TestFixture(true, Category = "Integration")]
public sealed class When_the_text_of_a_product_changes(bool onRealServers) : ProductSagaScenario(onRealServers)
{
    const string A = "acme ac-1000 usb keyboard black";
    const string B = "acme ac-1000 usb keyboard black, german layout";
    const string C = "acme ac-1000 wireless keyboard black, german layout";

    readonly Guid _finished = Guid.NewGuid();
    readonly Guid _inFlight = Guid.NewGuid();
    readonly Guid _changedBack = Guid.NewGuid();
    readonly Guid _faulted = Guid.NewGuid();
    DateTimeOffset _firstReceivedAt;

    protected override async Task Given()
    {
        // A finished product: a new text runs again; the same text again, or a late copy of the first, does not.
        _firstReceivedAt = DateTimeOffset.UtcNow;
        await Publish(_finished, A, _firstReceivedAt);
        await InState(_finished, m => m.Completed);
        await Receive(_finished, B);
        await Until(_finished, s => s.Revision == 2 && s.CurrentState == "Completed", "completed revision 2");
        await Receive(_finished, B);
        await Publish(_finished, A, _firstReceivedAt);

        // In flight: B and then C arrive while A is being extracted; A finishes, then C runs, B never.
        var held = Script.Hold(_inFlight, "extract");
        await Receive(_inFlight, A);
        await Until(_inFlight, _ => Script.CallsTo("extract", _inFlight) == 1, "reached the held extractor");
        await Receive(_inFlight, B);
        await Until(_inFlight, s => s.PendingText == B, "kept B");
        await Receive(_inFlight, C);
        await Until(_inFlight, s => s.PendingText == C, "kept C instead");
        held.SetResult();
        await Until(_inFlight, s => s.Revision == 2 && s.CurrentState == "Completed", "completed revision 2");

        // In flight, the text changes and changes back: nothing more to run.
        var heldToo = Script.Hold(_changedBack, "extract");
        await Receive(_changedBack, A);
        await Until(_changedBack, _ => Script.CallsTo("extract", _changedBack) == 1, "reached the held extractor");
        await Receive(_changedBack, B);
        await Until(_changedBack, s => s.PendingText == B, "kept B");
        await Receive(_changedBack, A);
        await Until(_changedBack, s => s.PendingText is null, "dropped B");
        heldToo.SetResult();
        await InState(_changedBack, m => m.Completed);

        // A Faulted product: a new text is a new run.
        Script.FailAt[_faulted] = "extract";
        await Receive(_faulted, A);
        await InState(_faulted, m => m.Faulted);
        Script.FailAt.TryRemove(_faulted, out _);
        await Receive(_faulted, B);
        await Until(_faulted, s => s.Revision == 2 && s.CurrentState == "Completed", "completed revision 2");
        await Harness.InactivityTask;
    }

    Task Publish(Guid productId, string text, DateTimeOffset receivedAt) =>
        Harness.Bus.Publish(new ProductTextReceived(productId, "test", productId.ToString("N"), text, receivedAt));

    (string Text, long Revision)[] StoredOf(Guid productId) =>
        Script.Stored.Where(s => s.ProductId == productId).Select(s => (s.Text, s.Revision)).ToArray();

    [Test]
    public async Task Should_run_a_changed_text_as_the_next_revision()
    {
        var saga = await InState(_finished, m => m.Completed);
        Assert.That((saga.Text, saga.Revision, saga.Attempt), Is.EqualTo((B, 2L, 1)));
        Assert.That(StoredOf(_finished), Is.EqualTo(new[] { (A, 1L), (B, 2L) }), "each revision stored once, in order");
        Assert.That(Script.Ends.OfType<ProductCompleted>().Where(c => c.ProductId == _finished).Select(c => c.Revision), Is.EquivalentTo(new[] { 1L, 2L }));
    }

    [Test]
    public void Should_ignore_the_same_text_and_a_late_copy_of_an_earlier_one() =>
        Assert.That(Script.CallsTo("classify", _finished), Is.EqualTo(2), "one run per revision, none for the duplicates");

    [Test]
    public async Task Should_let_the_newest_text_win_after_the_run_in_flight()
    {
        var saga = await InState(_inFlight, m => m.Completed);
        Assert.That((saga.Text, saga.Revision, saga.PendingText), Is.EqualTo((C, 2L, (string?)null)));
        Assert.That(StoredOf(_inFlight), Is.EqualTo(new[] { (A, 1L), (C, 2L) }), "the run in flight kept its text; B never ran");
    }

    [Test]
    public async Task Should_run_nothing_more_when_the_text_changes_back()
    {
        var saga = await InState(_changedBack, m => m.Completed);
        Assert.That((saga.Text, saga.Revision), Is.EqualTo((A, 1L)));
        Assert.That(StoredOf(_changedBack), Is.EqualTo(new[] { (A, 1L) }));
    }

    [Test]
    public async Task Should_run_a_faulted_product_again_for_a_new_text()
    {
        var saga = await InState(_faulted, m => m.Completed);
        Assert.That((saga.Text, saga.Revision, saga.FaultStage), Is.EqualTo((B, 2L, (string?)null)));
        Assert.That(StoredOf(_faulted), Is.EqualTo(new[] { (B, 2L) }));
    }
}
