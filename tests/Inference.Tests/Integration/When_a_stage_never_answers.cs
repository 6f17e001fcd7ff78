using Inference.Contracts;
using Inference.Orchestrator;
using Inference.Sagas;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Tests.Integration;

/// <summary>A stage that takes a command and never answers: the monitor finds the product in Redis and the saga faults it.</summary>
[Category("Integration")]
public sealed class When_a_stage_never_answers : ProductSagaOnRedisScenario
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);
    readonly Guid _stuckInClassify = Guid.NewGuid();
    readonly Guid _stuckInExtract = Guid.NewGuid();
    readonly Guid _healthy = Guid.NewGuid();

    protected override IDictionary<string, string?> RepositorySettings() =>
        new Dictionary<string, string?>(base.RepositorySettings()) { ["StageTimeout:After"] = Timeout.ToString() };

    protected override async Task Given()
    {
        Script.SilentAt[_stuckInClassify] = "classify";
        Script.SilentAt[_stuckInExtract] = "extract";
        await Task.WhenAll(Receive(_stuckInClassify), Receive(_stuckInExtract), Receive(_healthy));
        await InState(_stuckInClassify, m => m.Classifying);
        await InState(_stuckInExtract, m => m.Extracting);
        await InState(_healthy, m => m.Completed);

        await Task.Delay(Timeout + TimeSpan.FromMilliseconds(300));
        var monitor = ActivatorUtilities.CreateInstance<StageTimeoutMonitor>(Services);
        await monitor.CheckAsync(new StageTimeoutOptions { After = Timeout }, CancellationToken.None);
    }

    [Test]
    public async Task Should_fault_a_product_stuck_in_classify()
    {
        var saga = await InState(_stuckInClassify, m => m.Faulted);
        Assert.That(saga.FaultStage, Is.EqualTo(Stage.Classify));
        Assert.That(saga.FaultReason, Does.StartWith("StageTimedOut: no answer within"));
    }

    [Test]
    public async Task Should_fault_a_product_stuck_in_extract() =>
        Assert.That((await InState(_stuckInExtract, m => m.Faulted)).FaultStage, Is.EqualTo(Stage.Extract));

    [Test]
    public async Task Should_leave_a_completed_product_alone()
    {
        Assert.That((await InState(_healthy, m => m.Completed)).FaultStage, Is.Null);
        Assert.That(await Harness.Published.Any<StageTimedOut>(m => m.Context.Message.ProductId == _healthy), Is.False);
    }

    [Test]
    public async Task Should_announce_the_faults()
    {
        await InState(_stuckInClassify, m => m.Faulted);
        Assert.That(Harness.Published.Select<ProductFaulted>(m => m.Context.Message.ProductId == _stuckInClassify).Any(), Is.True);
    }

    [Test]
    public async Task Should_keep_no_finished_product_in_the_in_flight_index()
    {
        var inFlight = await Keyspace.Database.SortedSetRangeByScoreAsync($"{Keyspace.Prefix}product-state:in-flight");
        Assert.That(inFlight.Select(v => v.ToString()), Has.None.EqualTo(_healthy.ToString("D")));
    }
}

/// <summary>A timeout that arrives after the product moved on must not fault it.</summary>
[Category("Integration")]
public sealed class When_a_stage_timeout_arrives_late : ProductSagaOnRedisScenario
{
    readonly Guid _product = Guid.NewGuid();

    protected override async Task Given()
    {
        Script.SilentAt[_product] = "extract";
        await Receive(_product);
        var saga = await InState(_product, m => m.Extracting);
        // The monitor looked before the classifier answered: its LastUpdatedAt is older than the saga's.
        await Harness.Bus.Publish(new StageTimedOut(_product, "Classifying", saga.UpdatedAt - TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)));
        await Harness.InactivityTask;
    }

    [Test]
    public async Task Should_keep_the_product_in_flight() =>
        Assert.That((await InState(_product, m => m.Extracting)).FaultStage, Is.Null);
}
