using Inference.Contracts;
using MassTransit;

namespace Inference.Sagas;

/// <summary>The steps of <see cref="ProductStateMachine"/>, named for what they do so the machine reads like the process.</summary>
public static class ProductStateMachineActivities
{
    static readonly Uri ClassifyQueue = new($"queue:{QueueNames.Classify}");
    static readonly Uri ClassifyDeepQueue = new($"queue:{QueueNames.ClassifyDeep}");
    static readonly Uri ValidateQueue = new($"queue:{QueueNames.Validate}");
    static readonly Uri StoreQueue = new($"queue:{QueueNames.Store}");

    static Uri ExtractQueue(ProductState saga) => new($"queue:{QueueNames.Extract(saga.Extractor!)}");

    public static EventActivityBinder<ProductState, ProductTextReceived> RecordReceipt(
        this EventActivityBinder<ProductState, ProductTextReceived> binder) =>
        // The door fills in a missing ReceivedAt; a saga reached without the door still gets a time.
        binder.Then(context => context.Saga.BeginRun(
            context.Message.Source, context.Message.SourceId, context.Message.Text, context.Message.ReceivedAt ?? DateTimeOffset.UtcNow, 1));

    public static EventActivityBinder<ProductState, TMessage> SendToClassifier<TMessage>(
        this EventActivityBinder<ProductState, TMessage> binder)
        where TMessage : class =>
        binder.Send(ClassifyQueue, context => ProductCommands.Classify(context.Saga));

    /// <summary>A different text for a product whose run has ended: revision n+1 runs it.</summary>
    public static EventActivityBinder<ProductState, ProductTextReceived> StartRevision(
        this EventActivityBinder<ProductState, ProductTextReceived> binder) =>
        binder.Then(context => context.Saga.BeginRun(
            context.Message.Source, context.Message.SourceId, context.Message.Text, context.Message.ReceivedAt ?? DateTimeOffset.UtcNow,
            (context.Saga.Revision ?? 0) + 1));

    /// <summary>
    /// A text for a product in flight: the run goes on with its own text, and a different, newer one waits to run next (a later
    /// one replaces it; the run's own text again cancels it). Answers of one run are never taken for another's this way.
    /// </summary>
    public static EventActivityBinder<ProductState, ProductTextReceived> KeepNewestText(
        this EventActivityBinder<ProductState, ProductTextReceived> binder) =>
        binder.Then(context =>
        {
            var (saga, message) = (context.Saga, context.Message);
            var receivedAt = message.ReceivedAt ?? DateTimeOffset.UtcNow;
            if (receivedAt < (saga.PendingReceivedAt ?? saga.ReceivedAt)) return;
            if (saga.Runs(message.Text)) (saga.PendingText, saga.PendingReceivedAt) = (null, null);
            else (saga.PendingText, saga.PendingReceivedAt) = (message.Text, receivedAt);
        });

    /// <summary>
    /// The run ends in <paramref name="end"/> (Completed or Faulted, announced before this); a newer text kept while it ran
    /// starts the next revision at once, in <paramref name="first"/>.
    /// </summary>
    public static EventActivityBinder<ProductState, TMessage> EndRun<TMessage>(
        this EventActivityBinder<ProductState, TMessage> binder, State end, State first)
        where TMessage : class =>
        binder
            .TransitionTo(end)
            .If(context => context.Saga.PendingText is not null, pending => pending
                .Then(context =>
                {
                    var saga = context.Saga;
                    saga.BeginRun(saga.Source, saga.SourceId, saga.PendingText!, saga.PendingReceivedAt ?? DateTimeOffset.UtcNow, (saga.Revision ?? 0) + 1);
                })
                .SendToClassifier()
                .TransitionTo(first));

    /// <summary>
    /// Runs the product's text again as a new revision, above both the saga's and the stored record's: the saga's text when it
    /// has one (it is the newest), the record's when the saga had expired.
    /// </summary>
    public static EventActivityBinder<ProductState, ReprocessProduct> StartReprocessing(
        this EventActivityBinder<ProductState, ReprocessProduct> binder) =>
        binder.Then(context =>
        {
            var (saga, message) = (context.Saga, context.Message);
            var revision = Math.Max(saga.Revision ?? 0, message.StoredRevision) + 1;
            if (saga.Revision is null)
                saga.BeginRun(message.Source, message.SourceId, message.Text, message.ReceivedAt, revision);
            else
                saga.BeginRun(saga.Source, saga.SourceId, saga.Text, saga.ReceivedAt, revision);
        });

    /// <summary>A retry: the product goes back to the stage that failed (classify when none is known) and its command is sent again.</summary>
    public static EventActivityBinder<ProductState, RetryProduct> RunFaultedStageAgain(
        this EventActivityBinder<ProductState, RetryProduct> binder) =>
        binder
            .ThenAsync(context => context.TransitionToState(binder.StateMachine.GetState(StateToRetry(context.Saga))))
            .Then(context => context.Saga.Resumed())
            .SendAwaitedCommandAgain();

    static string StateToRetry(ProductState saga) =>
        saga.FaultStage == Stage.Extract && saga.Extractor is null
            ? nameof(ProductStateMachine.Classifying)
            : Stage.StateAwaiting(saga.FaultStage) ?? nameof(ProductStateMachine.Classifying);

    /// <summary>
    /// The answer of the stage a product faulted at arrives after all: the product goes back to that stage, and the answer is
    /// handled there as if it had never faulted. One more attempt is counted.
    /// </summary>
    public static EventActivityBinder<ProductState, TMessage> ResumeWith<TMessage>(
        this EventActivityBinder<ProductState, TMessage> binder, State stage)
        where TMessage : class =>
        binder
            .Then(context => context.Saga.Resumed())
            .TransitionTo(stage)
            .ThenAsync(context => context.Raise(binder.Event, context.Message));

    public static EventActivityBinder<ProductState, ProductClassified> RecordClassification(
        this EventActivityBinder<ProductState, ProductClassified> binder) =>
        binder.Then(context => Classify(context.Saga, context.Message, Stage.Classify));

    /// <summary>Keeps the fast classifier's answer and asks the deep classifier, whose answer will decide.</summary>
    public static EventActivityBinder<ProductState, ProductClassified> SendToDeepClassifier(
        this EventActivityBinder<ProductState, ProductClassified> binder) =>
        binder
            .Then(context =>
            {
                context.Saga.FastCategory = context.Message.Category;
                context.Saga.FastConfidence = context.Message.Confidence;
            })
            .Send(ClassifyDeepQueue, context => ProductCommands.ClassifyDeep(context.Saga));

    /// <summary>The deep classifier's answer replaces the fast one as the product's category; both models stay on record.</summary>
    public static EventActivityBinder<ProductState, ProductClassified> RecordDeepClassification(
        this EventActivityBinder<ProductState, ProductClassified> binder) =>
        binder.Then(context => Classify(context.Saga, context.Message, Stage.ClassifyDeep));

    /// <summary>The answering stage's category becomes the product's; its model is kept under the stage's name.</summary>
    static void Classify(ProductState saga, ProductClassified message, string stage)
    {
        saga.Category = message.Category;
        saga.Confidence = message.Confidence;
        saga.TopK = [.. message.TopK];
        saga.Models[stage] = message.Model.ToString();
        saga.ClassifiedBy = stage;
        saga.ClassifiedAt = saga.Progressed();
    }

    public static EventActivityBinder<ProductState, ProductClassified> RouteToExtractor(
        this EventActivityBinder<ProductState, ProductClassified> binder, CategoryRouter router) =>
        binder.Then(context => context.Saga.Extractor = router.ExtractorFor(context.Message.Category, context.Message.Confidence));

    public static EventActivityBinder<ProductState, ProductClassified> SendToExtractor(
        this EventActivityBinder<ProductState, ProductClassified> binder) =>
        binder.Send(context => ExtractQueue(context.Saga), context => ProductCommands.Extract(context.Saga));

    public static EventActivityBinder<ProductState, AttributesExtracted> RecordExtraction(
        this EventActivityBinder<ProductState, AttributesExtracted> binder) =>
        binder.Then(context =>
        {
            var (saga, message) = (context.Saga, context.Message);
            saga.Brand = message.Brand;
            saga.Mpn = message.Mpn;
            saga.Gtin = message.Gtin;
            saga.Attributes = new Dictionary<string, string>(message.Attributes);
            saga.Models[Stage.Extract] = message.Model.ToString();
            saga.ExtractedAt = saga.Progressed();
        });

    public static EventActivityBinder<ProductState, AttributesExtracted> SendToValidator(
        this EventActivityBinder<ProductState, AttributesExtracted> binder) =>
        binder.Send(ValidateQueue, context => ProductCommands.Validate(context.Saga));

    public static EventActivityBinder<ProductState, IdentifiersValidated> RecordValidation(
        this EventActivityBinder<ProductState, IdentifiersValidated> binder) =>
        binder.Then(context =>
        {
            var (saga, message) = (context.Saga, context.Message);
            saga.Verdicts = [.. message.Verdicts];
            saga.Models[Stage.Validate] = message.Model.ToString();
            saga.ValidatedAt = saga.Progressed();
        });

    public static EventActivityBinder<ProductState, TMessage> SendToStore<TMessage>(
        this EventActivityBinder<ProductState, TMessage> binder)
        where TMessage : class =>
        binder.Send(StoreQueue, context => ProductCommands.Store(context.Saga));

    public static EventActivityBinder<ProductState, ProductStored> RecordStorage(
        this EventActivityBinder<ProductState, ProductStored> binder) =>
        binder.Then(context =>
        {
            context.Saga.StoredAt = context.Message.StoredAt;
            context.Saga.Progressed();
        });

    /// <summary>Announces the end of the run; published again when the store's answer is redelivered, so no listener misses it.</summary>
    public static EventActivityBinder<ProductState, ProductStored> PublishCompleted(
        this EventActivityBinder<ProductState, ProductStored> binder) =>
        binder.Publish(context => new ProductCompleted(
            context.Saga.CorrelationId, context.Saga.Revision ?? 1, context.Saga.StoredAt ?? context.Saga.UpdatedAt));

    /// <summary>
    /// Runs <paramref name="then"/> only for an event the broker delivers again because its last delivery was never
    /// acknowledged (the process died, the connection dropped): only such an event may have had its state saved and its
    /// commands lost. A duplicate published twice is a new delivery and changes nothing. (A send that fails while the broker is
    /// up is retried here and then acknowledged: the stage deadline sends that command again.)
    /// </summary>
    public static EventActivityBinder<ProductState, TMessage> IfRedelivered<TMessage>(
        this EventActivityBinder<ProductState, TMessage> binder,
        Func<EventActivityBinder<ProductState, TMessage>, EventActivityBinder<ProductState, TMessage>> then)
        where TMessage : class =>
        binder.If(context => context.ReceiveContext.Redelivered, then);

    /// <summary>
    /// Sends again the command of the stage the product waits on (its state says which), as built from the saga: an event
    /// redelivered after its state was saved, or a stage deadline passed, means that command may never have left.
    /// </summary>
    public static EventActivityBinder<ProductState, TMessage> SendAwaitedCommandAgain<TMessage>(
        this EventActivityBinder<ProductState, TMessage> binder)
        where TMessage : class =>
        binder.ThenAsync(async context =>
        {
            var saga = context.Saga;
            switch (Stage.AwaitedIn(saga.CurrentState))
            {
                case Stage.Classify: await SendAsync(context, ClassifyQueue, ProductCommands.Classify(saga)); break;
                case Stage.ClassifyDeep: await SendAsync(context, ClassifyDeepQueue, ProductCommands.ClassifyDeep(saga)); break;
                case Stage.Extract: await SendAsync(context, ExtractQueue(saga), ProductCommands.Extract(saga)); break;
                case Stage.Validate: await SendAsync(context, ValidateQueue, ProductCommands.Validate(saga)); break;
                case Stage.Store: await SendAsync(context, StoreQueue, ProductCommands.Store(saga)); break;
            }
        });

    /// <summary>Counts a re-send at the stage deadline; the next deadline counts from now.</summary>
    public static EventActivityBinder<ProductState, StageTimedOut> RecordResend(
        this EventActivityBinder<ProductState, StageTimedOut> binder) =>
        binder.Then(context =>
        {
            context.Saga.Resends++;
            context.Saga.UpdatedAt = DateTimeOffset.UtcNow;
        });

    /// <summary>Keeps the stage and the first exception's message, so the reason is visible over HTTP.</summary>
    public static EventActivityBinder<ProductState, Fault<TCommand>> RecordFault<TCommand>(
        this EventActivityBinder<ProductState, Fault<TCommand>> binder, string stage)
        where TCommand : class =>
        binder.Fault(stage, context => context.Message.Exceptions.FirstOrDefault() is { } exception
            ? $"{ShortTypeName(exception.ExceptionType)}: {exception.Message}"
            : "the consumer faulted without an exception");

    /// <summary>Faults the product at the stage it was waiting on, saying how long it waited and how often its command was sent again.</summary>
    public static EventActivityBinder<ProductState, StageTimedOut> RecordTimeout(
        this EventActivityBinder<ProductState, StageTimedOut> binder) =>
        binder.Fault(
            context => Stage.AwaitedIn(context.Saga.CurrentState) ?? context.Saga.CurrentState,
            context => $"StageTimedOut: no answer within {context.Message.Waited:g} after the command was sent again " +
                       $"{context.Saga.Resends} time(s) (last progress at {context.Message.LastUpdatedAt:u})");

    /// <summary>A fault redelivered after the product was faulted at <paramref name="stage"/> announces it again, so no listener misses it.</summary>
    public static EventActivityBinder<ProductState, TMessage> PublishFaultedAgain<TMessage>(
        this EventActivityBinder<ProductState, TMessage> binder, string stage)
        where TMessage : class =>
        binder.PublishFaultedAgain(_ => stage);

    public static EventActivityBinder<ProductState, TMessage> PublishFaultedAgain<TMessage>(
        this EventActivityBinder<ProductState, TMessage> binder, Func<BehaviorContext<ProductState, TMessage>, string?> stage)
        where TMessage : class =>
        binder.If(context => context.Saga.FaultStage == stage(context), same => same.PublishFaulted());

    static EventActivityBinder<ProductState, TMessage> Fault<TMessage>(
        this EventActivityBinder<ProductState, TMessage> binder, string stage, Func<BehaviorContext<ProductState, TMessage>, string> reason)
        where TMessage : class =>
        binder.Fault(_ => stage, reason);

    static EventActivityBinder<ProductState, TMessage> Fault<TMessage>(
        this EventActivityBinder<ProductState, TMessage> binder,
        Func<BehaviorContext<ProductState, TMessage>, string> stage,
        Func<BehaviorContext<ProductState, TMessage>, string> reason)
        where TMessage : class =>
        binder
            .Then(context =>
            {
                context.Saga.FaultStage = stage(context);
                context.Saga.FaultReason = reason(context);
                context.Saga.FaultedAt = context.Saga.UpdatedAt = DateTimeOffset.UtcNow;
            })
            .PublishFaulted();

    static EventActivityBinder<ProductState, TMessage> PublishFaulted<TMessage>(this EventActivityBinder<ProductState, TMessage> binder)
        where TMessage : class =>
        binder.Publish(context => new ProductFaulted(
            context.Saga.CorrelationId, context.Saga.FaultStage!, context.Saga.FaultReason!, context.Saga.FaultedAt!.Value));

    static async Task SendAsync<T>(ConsumeContext context, Uri queue, T command)
        where T : class
    {
        var endpoint = await context.GetSendEndpoint(queue);
        await endpoint.Send(command, context.CancellationToken);
    }

    static string ShortTypeName(string? typeName) =>
        string.IsNullOrEmpty(typeName) ? "Exception" : typeName[(typeName.LastIndexOf('.') + 1)..];
}
