using Inference.Contracts;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Inference.Sagas;

/// <summary>The life of one product: classify (then the deep classifier when the fast one is unsure) → extract → validate (only with an MPN or GTIN) → store.</summary>
public sealed class ProductStateMachine : MassTransitStateMachine<ProductState>
{
    public ProductStateMachine(CategoryRouter router, IOptions<StageDeadlineOptions> deadlines, PipelineTally tally)
    {
        InstanceState(x => x.CurrentState);
        this.ConnectEventObserver(new StageMetricsObserver(tally));

        Event(() => Received, x => x.CorrelateById(m => m.Message.ProductId));
        Event(() => Classified, x => x.CorrelateById(m => m.Message.ProductId));
        Event(() => Extracted, x => x.CorrelateById(m => m.Message.ProductId));
        Event(() => Validated, x => x.CorrelateById(m => m.Message.ProductId));
        Event(() => Stored, x => x.CorrelateById(m => m.Message.ProductId));
        Event(() => ClassifyFaulted, x => x.CorrelateById(m => m.Message.Message.ProductId));
        Event(() => DeepClassifyFaulted, x => x.CorrelateById(m => m.Message.Message.ProductId));
        Event(() => ExtractFaulted, x => x.CorrelateById(m => m.Message.Message.ProductId));
        Event(() => ValidateFaulted, x => x.CorrelateById(m => m.Message.Message.ProductId));
        Event(() => StoreFaulted, x => x.CorrelateById(m => m.Message.Message.ProductId));
        Event(() => TimedOut, x => x.CorrelateById(m => m.Message.ProductId));
        Event(() => RetryRequested, x =>
        {
            x.CorrelateById(m => m.Message.ProductId);
            x.OnMissingInstance(m => m.Discard()); // nothing to retry (expired, or never there): nothing to do
        });
        Event(() => ReprocessRequested, x => x.CorrelateById(m => m.Message.ProductId));

        Initially(
            When(Received)
                .RecordReceipt()
                .SendToClassifier()
                .TransitionTo(Classifying));

        During(Classifying,
            When(Classified)
                .RecordClassification()
                .IfElse(context => router.TakesDeepPath(context.Message.Category, context.Message.Confidence),
                    deep => deep.SendToDeepClassifier().TransitionTo(DeepClassifying),
                    fast => fast.RouteToExtractor(router).SendToExtractor().TransitionTo(Extracting)),
            When(ClassifyFaulted)
                .RecordFault(Stage.Classify)
                .EndRun(Faulted, Classifying));

        // The fast classifier was below the gate: the deep classifier's answer decides the route.
        During(DeepClassifying,
            When(Classified, context => context.Message.Queue == QueueNames.ClassifyDeep)
                .RecordDeepClassification()
                .RouteToExtractor(router)
                .SendToExtractor()
                .TransitionTo(Extracting),
            When(DeepClassifyFaulted)
                .RecordFault(Stage.ClassifyDeep)
                .EndRun(Faulted, Classifying));

        During(Extracting,
            When(Extracted)
                .RecordExtraction()
                .IfElse(context => context.Saga.HasIdentifiers,
                    validate => validate.SendToValidator().TransitionTo(Validating),
                    store => store.SendToStore().TransitionTo(Storing)),
            When(ExtractFaulted)
                .RecordFault(Stage.Extract)
                .EndRun(Faulted, Classifying));

        During(Validating,
            When(Validated)
                .RecordValidation()
                .SendToStore()
                .TransitionTo(Storing),
            When(ValidateFaulted)
                .RecordFault(Stage.Validate)
                .EndRun(Faulted, Classifying));

        During(Storing,
            // A store answer of an earlier run (its command left before that run ended) does not end this one.
            When(Stored, context => context.Message.Revision >= context.Saga.Revision)
                .RecordStorage()
                .PublishCompleted()
                .EndRun(Completed, Classifying),
            When(StoreFaulted)
                .RecordFault(Stage.Store)
                .EndRun(Faulted, Classifying));

        // Saving and sending never part. The state is saved before the command leaves, so a crash or a broker outage between the
        // two leaves the event unacknowledged: redelivered (by the broker, or by the retry in this process), it finds the product
        // one stage on, and sends that stage's command again. The consumers are idempotent: a duplicate command costs a little
        // work, a lost one would cost the product. An event that is not a redelivery (a duplicate published twice) changes nothing.
        During(Classifying,
            When(Received).IfRedelivered(again => again.SendAwaitedCommandAgain()));
        During(DeepClassifying,
            When(Classified, context => context.Message.Queue != QueueNames.ClassifyDeep).IfRedelivered(again => again.SendAwaitedCommandAgain()));
        During(Extracting,
            When(Classified).IfRedelivered(again => again.SendAwaitedCommandAgain()));
        During(Validating,
            When(Extracted).IfRedelivered(again => again.SendAwaitedCommandAgain()));
        During(Storing,
            When(Validated).IfRedelivered(again => again.SendAwaitedCommandAgain()),
            When(Extracted).IfRedelivered(again => again.If(context => !context.Saga.HasIdentifiers, skipped => skipped.SendAwaitedCommandAgain())));
        During(Completed,
            When(Stored).IfRedelivered(again => again.PublishCompleted()));
        During(Faulted,
            When(ClassifyFaulted).IfRedelivered(again => again.PublishFaultedAgain(Stage.Classify)),
            When(DeepClassifyFaulted).IfRedelivered(again => again.PublishFaultedAgain(Stage.ClassifyDeep)),
            When(ExtractFaulted).IfRedelivered(again => again.PublishFaultedAgain(Stage.Extract)),
            When(ValidateFaulted).IfRedelivered(again => again.PublishFaultedAgain(Stage.Validate)),
            When(StoreFaulted).IfRedelivered(again => again.PublishFaultedAgain(Stage.Store)),
            When(TimedOut).IfRedelivered(again => again.PublishFaultedAgain(context => Stage.AwaitedIn(context.Message.State))));

        // Past its stage deadline with no progress since the monitor looked, a product gets its command again, a few times
        // with backoff, and is then given up; a product that moved on meanwhile is left alone.
        During([Classifying, DeepClassifying, Extracting, Validating, Storing],
            When(TimedOut)
                .If(context => context.Saga.UpdatedAt <= context.Message.LastUpdatedAt,
                    stale => stale.IfElse(context => context.Saga.Resends < deadlines.Value.MaxResends,
                        resend => resend.RecordResend().SendAwaitedCommandAgain(),
                        giveUp => giveUp.RecordTimeout().EndRun(Faulted, Classifying))));

        // A Faulted product runs again from the stage that failed: when asked to (a retry), or when the answer of that stage
        // arrives after all (its command moved back from the stage's _error queue, or answered past its deadline). The answer
        // is then handled as in the stage itself.
        During(Faulted,
            When(RetryRequested)
                .RunFaultedStageAgain(),
            When(Classified, context => context.Saga.FaultStage == Stage.Classify && context.Message.Queue == QueueNames.Classify)
                .ResumeWith(Classifying),
            When(Classified, context => context.Saga.FaultStage == Stage.ClassifyDeep && context.Message.Queue == QueueNames.ClassifyDeep)
                .ResumeWith(DeepClassifying),
            When(Extracted, context => context.Saga.FaultStage == Stage.Extract)
                .ResumeWith(Extracting),
            When(Validated, context => context.Saga.FaultStage == Stage.Validate)
                .ResumeWith(Validating),
            When(Stored, context => context.Saga.FaultStage == Stage.Store && context.Message.Revision >= context.Saga.Revision)
                .ResumeWith(Storing));

        // A product has a life, not a single run. A different text (by hash, and not older than the run's) starts revision
        // n+1 once the run in flight has ended: the newest text wins, and no answer of one run is taken for another's. The same
        // text again is a duplicate. A reprocess request runs the product's text again with the models serving now.
        During([Classifying, DeepClassifying, Extracting, Validating, Storing],
            When(Received).KeepNewestText(),
            Ignore(RetryRequested),
            Ignore(ReprocessRequested));
        During([Completed, Faulted],
            When(Received, context => context.Saga.IsNewText(context.Message.Text, context.Message.ReceivedAt ?? DateTimeOffset.UtcNow))
                .StartRevision()
                .SendToClassifier()
                .TransitionTo(Classifying));
        // Initial: a stored product whose saga has expired runs again from its record's text, newer than the stored revision.
        During([Initial, Completed, Faulted],
            When(ReprocessRequested)
                .StartReprocessing()
                .SendToClassifier()
                .TransitionTo(Classifying));

        // At-least-once delivery, retries and revisions: any other event for a stage the product is not waiting on is a
        // duplicate or an answer of an earlier run, not a new run.
        During([Validating, Storing, Completed], Ignore(Classified));
        During([Classifying, DeepClassifying, Completed], Ignore(Extracted));
        During([Classifying, DeepClassifying, Extracting, Completed], Ignore(Validated));
        During([Classifying, DeepClassifying, Extracting, Validating], Ignore(Stored));
        During([DeepClassifying, Extracting, Validating, Storing, Completed], Ignore(ClassifyFaulted));
        During([Classifying, Extracting, Validating, Storing, Completed], Ignore(DeepClassifyFaulted));
        During([Classifying, DeepClassifying, Validating, Storing, Completed], Ignore(ExtractFaulted));
        During([Classifying, DeepClassifying, Extracting, Storing, Completed], Ignore(ValidateFaulted));
        During([Classifying, DeepClassifying, Extracting, Validating, Completed], Ignore(StoreFaulted));
        During([Completed], Ignore(TimedOut), Ignore(RetryRequested));
    }

    public State Classifying { get; private set; } = null!;
    public State DeepClassifying { get; private set; } = null!;
    public State Extracting { get; private set; } = null!;
    public State Validating { get; private set; } = null!;
    public State Storing { get; private set; } = null!;
    public State Completed { get; private set; } = null!;
    public State Faulted { get; private set; } = null!;

    public Event<ProductTextReceived> Received { get; private set; } = null!;
    public Event<ProductClassified> Classified { get; private set; } = null!;
    public Event<AttributesExtracted> Extracted { get; private set; } = null!;
    public Event<IdentifiersValidated> Validated { get; private set; } = null!;
    public Event<ProductStored> Stored { get; private set; } = null!;

    public Event<Fault<ClassifyProduct>> ClassifyFaulted { get; private set; } = null!;
    public Event<Fault<ClassifyProductDeep>> DeepClassifyFaulted { get; private set; } = null!;
    public Event<Fault<ExtractAttributes>> ExtractFaulted { get; private set; } = null!;
    public Event<Fault<ValidateIdentifiers>> ValidateFaulted { get; private set; } = null!;
    public Event<Fault<StoreProduct>> StoreFaulted { get; private set; } = null!;
    public Event<StageTimedOut> TimedOut { get; private set; } = null!;
    public Event<RetryProduct> RetryRequested { get; private set; } = null!;
    public Event<ReprocessProduct> ReprocessRequested { get; private set; } = null!;
}
