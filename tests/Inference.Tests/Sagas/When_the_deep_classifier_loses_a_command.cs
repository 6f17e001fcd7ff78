using Inference.Orchestrator;
using Inference.Sagas;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Tests.Sagas;

/// <summary>The deep stage has a deadline like every stage: a lost <c>classify-deep</c> command is sent again, a silent stage faults there.</summary>
public sealed class When_the_deep_classifier_loses_a_command : ProductSagaScenario
{
    static readonly TimeSpan ResendAfter = TimeSpan.FromMilliseconds(500);
    readonly Guid _lostOnce = Guid.NewGuid();
    readonly Guid _silent = Guid.NewGuid();

    protected override double DeepGate => 0.7;

    protected override IDictionary<string, string?> RepositorySettings() => new Dictionary<string, string?>
    {
        ["StageTimeout:ResendAfter"] = ResendAfter.ToString(),
        ["StageTimeout:MaxResends"] = "1",
    };

    protected override async Task Given()
    {
        foreach (var id in new[] { _lostOnce, _silent }) Script.Categories[id] = ("computers-accessories", 0.4);
        Script.DeepCategories[_lostOnce] = ("office-products", 0.9);
        Script.SilentOnceAt[_lostOnce] = Stage.ClassifyDeep;
        Script.SilentAt[_silent] = Stage.ClassifyDeep;
        await Task.WhenAll(Receive(_lostOnce), Receive(_silent));
        await InState(_lostOnce, m => m.DeepClassifying);
        await InState(_silent, m => m.DeepClassifying);

        var monitor = ActivatorUtilities.CreateInstance<StageDeadlineMonitor>(Services);
        await Task.Delay(ResendAfter + TimeSpan.FromMilliseconds(200));
        await monitor.CheckAsync(CancellationToken.None); // the first deadline: both deep commands sent again
        await InState(_lostOnce, m => m.Completed);
        await Task.Delay(2 * ResendAfter + TimeSpan.FromMilliseconds(200));
        await monitor.CheckAsync(CancellationToken.None); // the second: the silent one is given up
    }

    [Test]
    public async Task Should_send_the_deep_command_again_and_route_by_its_answer()
    {
        var saga = await InState(_lostOnce, m => m.Completed);
        using var scope = Assert.EnterMultipleScope();
        Assert.That(Script.CallsTo(Stage.ClassifyDeep, _lostOnce), Is.EqualTo(2));
        Assert.That(Script.QueueOf("extract", _lostOnce), Is.EqualTo("extract-office-products"));
        Assert.That(saga.ClassifiedBy, Is.EqualTo(Stage.ClassifyDeep));
    }

    [Test]
    public async Task Should_fault_a_product_the_deep_stage_never_answers_at_that_stage()
    {
        var saga = await InState(_silent, m => m.Faulted);
        Assert.That(saga.FaultStage, Is.EqualTo(Stage.ClassifyDeep));
        Assert.That(saga.FaultReason, Does.StartWith("StageTimedOut"));
    }
}
