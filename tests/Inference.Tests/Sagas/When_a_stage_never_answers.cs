using Inference.Contracts;
using Inference.Orchestrator;
using Inference.Sagas;
using Inference.Tests.Integration;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Tests.Sagas;

/// <summary>
/// A stage that takes a command and never answers: at its deadline the monitor has the saga send the command again (twice as
/// late the next time), and after the re-sends it faults the product with the stage. On the in-memory repository (the
/// embedded run) as on Redis (every Orchestrator).
/// </summary>
[TestFixture(false)]
[TestFixture(true, Category = "Integration")]
public sealed class When_a_stage_never_answers(bool onRedis) : ProductSagaScenario
{
    static readonly TimeSpan ResendAfter = TimeSpan.FromMilliseconds(500);
    RedisKeyspace? _redis;
    readonly Guid _stuckInClassify = Guid.NewGuid();
    readonly Guid _stuckInExtract = Guid.NewGuid();
    readonly Guid _lostOnce = Guid.NewGuid();
    readonly Guid _healthy = Guid.NewGuid();
    int _classifyCallsAfterFirstDeadline;

    protected override IDictionary<string, string?> RepositorySettings()
    {
        var settings = onRedis ? (_redis = RedisKeyspace.CreateAsync().GetAwaiter().GetResult()).RepositorySettings() : new Dictionary<string, string?>();
        settings["StageTimeout:ResendAfter"] = ResendAfter.ToString();
        settings["StageTimeout:MaxResends"] = "1";
        return settings;
    }

    protected override async Task CleanUp()
    {
        if (_redis is not null) await _redis.DisposeAsync();
    }

    protected override async Task Given()
    {
        Script.SilentAt[_stuckInClassify] = "classify";
        Script.SilentAt[_stuckInExtract] = "extract";
        Script.SilentOnceAt[_lostOnce] = "validate";
        await Task.WhenAll(Receive(_stuckInClassify), Receive(_stuckInExtract), Receive(_lostOnce), Receive(_healthy));
        await InState(_stuckInClassify, m => m.Classifying);
        await InState(_stuckInExtract, m => m.Extracting);
        await InState(_lostOnce, m => m.Validating);
        await InState(_healthy, m => m.Completed);

        var monitor = ActivatorUtilities.CreateInstance<StageDeadlineMonitor>(Services);
        await Task.Delay(ResendAfter + TimeSpan.FromMilliseconds(200));
        await monitor.CheckAsync(CancellationToken.None); // the first deadline: every stuck command is sent again
        await InState(_lostOnce, m => m.Completed);
        await Until(() => Script.CallsTo("classify", _stuckInClassify) == 2);
        _classifyCallsAfterFirstDeadline = Script.CallsTo("classify", _stuckInClassify);

        await Task.Delay(2 * ResendAfter + TimeSpan.FromMilliseconds(200));
        await monitor.CheckAsync(CancellationToken.None); // the second: re-sent once already, so given up
    }

    [Test]
    public void Should_send_a_silent_stage_its_command_again() =>
        Assert.That(_classifyCallsAfterFirstDeadline, Is.EqualTo(2));

    [Test]
    public async Task Should_complete_a_product_whose_command_was_lost_once()
    {
        var saga = await InState(_lostOnce, m => m.Completed);
        Assert.That(Script.CallsTo("validate", _lostOnce), Is.EqualTo(2));
        Assert.That(saga.Resends, Is.Zero, "a product that moved on gets a fresh set of re-sends");
    }

    [Test]
    public async Task Should_fault_a_product_stuck_in_classify_after_its_resends()
    {
        var saga = await InState(_stuckInClassify, m => m.Faulted);
        Assert.That(saga.FaultStage, Is.EqualTo(Stage.Classify));
        Assert.That(saga.FaultReason, Does.StartWith("StageTimedOut: no answer within").And.Contain("sent again 1 time(s)"));
        Assert.That(Script.CallsTo("classify", _stuckInClassify), Is.EqualTo(2), "sent once and re-sent once, not at the last deadline");
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
        Assert.That(await Harness.Published.Any<ProductFaulted>(m => m.Context.Message.ProductId == _stuckInClassify), Is.True);
    }

    [Test]
    public async Task Should_keep_no_finished_product_in_the_in_flight_index()
    {
        if (_redis is null) Assert.Ignore("only the Redis repository keeps an index");
        await InState(_stuckInClassify, m => m.Faulted);
        var inFlight = (await _redis.Database.SortedSetRangeByScoreAsync($"{_redis.Prefix}product-state:in-flight")).Select(v => v.ToString()).ToArray();
        Assert.That(inFlight, Has.None.EqualTo(_healthy.ToString("D")).And.None.EqualTo(_stuckInClassify.ToString("D")));
    }

    async Task Until(Func<bool> condition)
    {
        var giveUpAt = DateTime.UtcNow + Harness.TestTimeout;
        while (!condition())
        {
            if (DateTime.UtcNow > giveUpAt) Assert.Fail("the condition never held");
            await Task.Delay(10);
        }
    }
}

/// <summary>A deadline that arrives after the product moved on must not touch it.</summary>
public sealed class When_a_stage_deadline_arrives_late : ProductSagaScenario
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
    public async Task Should_keep_the_product_in_flight_untouched()
    {
        var saga = await InState(_product, m => m.Extracting);
        Assert.That(saga.FaultStage, Is.Null);
        Assert.That(saga.Resends, Is.Zero);
        Assert.That(Script.CallsTo("extract", _product), Is.EqualTo(1));
    }
}
