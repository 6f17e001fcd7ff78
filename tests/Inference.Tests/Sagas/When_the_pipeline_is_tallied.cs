using Inference.Contracts;
using Inference.Orchestrator;
using Inference.Sagas;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Tests.Sagas;

/// <summary>
/// The stage table's figures as the saga tallies them while products run: texts admitted and refused at its door, each stage's
/// answers with how long the product waited, each run's end once (a duplicate text starts no run), added to the shared tallies.
/// </summary>
public sealed class When_the_pipeline_is_tallied : ProductSagaScenario
{
    const int Completing = 3;
    IReadOnlyDictionary<string, StageSample> _tallied = null!;

    protected override async Task Given()
    {
        var products = Enumerable.Range(0, Completing).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var product in products) await Receive(product);
        var faulted = await ReceiveFailingAt(Stage.Extract);
        foreach (var product in products) await Completed(product);
        await InState(faulted, m => m.Faulted);

        await Receive(products[0]); // the same text again: admitted, and nothing to run
        await Harness.Bus.Publish(new ProductTextReceived(Guid.NewGuid(), "test", null, " ")); // refused at the door
        await Harness.InactivityTask;

        await Services.GetRequiredService<PipelineTallyFlusher>().FlushAsync();
        _tallied = await Services.GetRequiredService<IPipelineTallies>().Pending();
    }

    StageSample Row(string row) => _tallied.GetValueOrDefault(row) ?? StageSample.Empty;

    [Test]
    public void Should_count_the_texts_the_door_admits_and_refuses()
    {
        Assert.That(Row(PipelineTally.Received).Count, Is.EqualTo(Completing + 2));
        Assert.That(Row(PipelineTally.Rejected).Count, Is.EqualTo(1));
    }

    [Test]
    public void Should_time_every_answer_of_every_stage_a_run_waited_on()
    {
        Assert.That(Row(Stage.Classify).Count, Is.EqualTo(Completing + 1));
        Assert.That(Row(Stage.Extract).Count, Is.EqualTo(Completing + 1), "the faulted run left extract too");
        Assert.That(Row(Stage.Store).Count, Is.EqualTo(Completing));
        Assert.That(Row(Stage.ClassifyDeep).Count, Is.Zero, "the deep stage is off here");
        foreach (var stage in Stage.All)
            Assert.That(Row(stage).Latencies, Is.EqualTo(Row(stage).Count), stage);
    }

    [Test]
    public void Should_count_each_run_s_end_once_with_its_time_from_receipt()
    {
        Assert.That(Row(PipelineTally.Completions).Count, Is.EqualTo(Completing));
        Assert.That(Row(PipelineTally.Completions).Latencies, Is.EqualTo(Completing));
        Assert.That(Row(PipelineTally.Completions).MaxMs, Is.GreaterThanOrEqualTo(Row(Stage.Store).MaxMs), "a run lasts at least its longest store");
        Assert.That(Row(PipelineTally.Faults).Count, Is.EqualTo(1));
    }
}
