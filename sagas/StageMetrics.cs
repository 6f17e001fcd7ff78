using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Inference.Contracts;
using MassTransit;

namespace Inference.Sagas;

/// <summary>
/// The pipeline's figures per stage, as the saga sees them: how long a product waited on each stage (from the command sent to
/// the answer heard, queueing included) and the faults by stage and reason class. How many products wait on each stage now is
/// the gauge <see cref="ProductsName"/>, read from the saga store by the Orchestrator.
/// </summary>
public static class StageMetrics
{
    public const string MeterName = "Inference.Stages";
    public const string DurationName = "inference.stage.duration";
    public const string FaultsName = "inference.stage.faults";
    public const string ProductsName = "inference.stage.products";

    /// <summary>The stage tag of every figure; its values are the <see cref="Stage"/> names.</summary>
    public const string StageTag = "inference.stage";

    /// <summary>The reason class of a fault: the exception's type name, or <c>StageTimedOut</c> (semantic conventions' <c>error.type</c>).</summary>
    public const string ErrorTypeTag = "error.type";

    static readonly Meter Meter = new(MeterName);

    /// <summary>Seconds a product spent on a stage; buckets from 5 ms to the 15 min deadline.</summary>
    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        DurationName, "s", "Time a product waited on a stage, from its command sent to its answer heard",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900] });

    public static readonly Counter<long> Faults = Meter.CreateCounter<long>(
        FaultsName, "{fault}", "Products faulted, by the stage that failed and the reason class");

    /// <summary>The class of a saga's fault reason (<c>TypeName: message</c>): the part before the colon.</summary>
    public static string ReasonClass(string? reason) =>
        reason is null ? "unknown" : reason.IndexOf(':') is var colon and > 0 ? reason[..colon] : "unknown";
}

/// <summary>
/// Watches every event the state machine handles: when a product leaves a stage it records how long it waited there, when a
/// run ends how it ended (and, completed, how long it took from receipt), in the metrics and in the <see cref="PipelineTally"/>.
/// The time a stage began is the saga's last progress (or its last re-send at the stage deadline).
/// </summary>
sealed class StageMetricsObserver(PipelineTally tally) : IEventObserver<ProductState>
{
    // The saga as it was before the event, by instance: a saga is loaded afresh for each message (and each retry of one).
    readonly ConditionalWeakTable<ProductState, Before> _before = new();

    sealed record Before(string State, DateTimeOffset Since, DateTimeOffset ReceivedAt, long? Revision);

    public Task PreExecute(BehaviorContext<ProductState> context) => Remember(context.Saga);

    public Task PreExecute<T>(BehaviorContext<ProductState, T> context) where T : class => Remember(context.Saga);

    public Task PostExecute(BehaviorContext<ProductState> context) => Record(context.Saga, typeof(void));

    public Task PostExecute<T>(BehaviorContext<ProductState, T> context) where T : class => Record(context.Saga, typeof(T));

    public Task ExecuteFault(BehaviorContext<ProductState> context, Exception exception) => Forget(context.Saga);

    public Task ExecuteFault<T>(BehaviorContext<ProductState, T> context, Exception exception) where T : class => Forget(context.Saga);

    Task Remember(ProductState saga)
    {
        _before.AddOrUpdate(saga, new Before(saga.CurrentState, saga.UpdatedAt, saga.ReceivedAt, saga.Revision));
        return Task.CompletedTask;
    }

    Task Record(ProductState saga, Type message)
    {
        if (!_before.TryGetValue(saga, out var before)) return Task.CompletedTask;
        _before.Remove(saga);
        if (before.State == saga.CurrentState && before.Revision == saga.Revision) return Task.CompletedTask;

        var left = Stage.AwaitedIn(before.State);
        if (left is not null)
        {
            var waited = saga.UpdatedAt - before.Since;
            StageMetrics.Duration.Record(Math.Max(0, waited.TotalSeconds), new KeyValuePair<string, object?>(StageMetrics.StageTag, left));
            tally.Record(left, waited);
        }

        // A run ends in Completed or Faulted; with a newer text waiting, the next revision starts at once (the saga never rests
        // in the end state), so the event that moved it on says how the run ended.
        if (left == Stage.Store && message == typeof(ProductStored))
            tally.Record(PipelineTally.Completions, saga.UpdatedAt - before.ReceivedAt);
        else if (left is not null && (saga.CurrentState == nameof(ProductStateMachine.Faulted) || IsFailure(message)))
        {
            tally.Record(PipelineTally.Faults);
            StageMetrics.Faults.Add(1,
                new KeyValuePair<string, object?>(StageMetrics.StageTag, saga.FaultStage ?? left),
                new KeyValuePair<string, object?>(StageMetrics.ErrorTypeTag, StageMetrics.ReasonClass(saga.FaultReason)));
        }

        return Task.CompletedTask;
    }

    static bool IsFailure(Type message) =>
        message == typeof(StageTimedOut) || (message.IsGenericType && message.GetGenericTypeDefinition() == typeof(Fault<>));

    Task Forget(ProductState saga)
    {
        _before.Remove(saga);
        return Task.CompletedTask;
    }
}
