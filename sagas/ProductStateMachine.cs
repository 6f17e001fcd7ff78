using Inference.Contracts;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Inference.Sagas;

/// <summary>The life of one product: classify (then the deep classifier when the fast one is unsure) → extract → validate (only with an MPN or GTIN) → store.</summary>
public sealed class ProductStateMachine : MassTransitStateMachine<ProductState>
{
    public ProductStateMachine(CategoryRouter router, IOptions<StageDeadlineOptions> deadlines)
    {
        InstanceState(x => x.CurrentState);
        this.ConnectEventObserver(new StageMetricsObserver());

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
                .TransitionTo(Faulted));

        // The fast classifier was below the gate: the deep classifier's answer decides the route.
        During(DeepClassifying,
            When(Classified, context => context.Message.Queue == QueueNames.ClassifyDeep)
                .RecordDeepClassification()
                .RouteToExtractor(router)
                .SendToExtractor()
                .TransitionTo(Extracting),
            When(DeepClassifyFaulted)
                .RecordFault(Stage.ClassifyDeep)
                .TransitionTo(Faulted));

        During(Extracting,
            When(Extracted)
                .RecordExtraction()
                .IfElse(context => context.Saga.HasIdentifiers,
                    validate => validate.SendToValidator().TransitionTo(Validating),
                    store => store.SendToStore().TransitionTo(Storing)),
            When(ExtractFaulted)
                .RecordFault(Stage.Extract)
                .TransitionTo(Faulted));

        During(Validating,
            When(Validated)
                .RecordValidation()
                .SendToStore()
                .TransitionTo(Storing),
            When(ValidateFaulted)
                .RecordFault(Stage.Validate)
                .TransitionTo(Faulted));

        During(Storing,
            When(Stored)
                .RecordStorage()
                .TransitionTo(Completed)
                .PublishCompleted(),
            When(StoreFaulted)
                .RecordFault(Stage.Store)
                .TransitionTo(Faulted));

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
                        giveUp => giveUp.RecordTimeout().TransitionTo(Faulted))));

        // At-least-once delivery: any other event for a stage the product has left is a duplicate, not a new run.
        During([DeepClassifying, Extracting, Validating, Storing, Completed, Faulted], Ignore(Received));
        During([Validating, Storing, Completed, Faulted], Ignore(Classified));
        During([DeepClassifying, Extracting, Validating, Storing, Completed], Ignore(ClassifyFaulted));
        During([Extracting, Validating, Storing, Completed], Ignore(DeepClassifyFaulted));
        During([Completed, Faulted], Ignore(Extracted));
        During([Validating, Storing, Completed], Ignore(ExtractFaulted));
        During([Completed, Faulted], Ignore(Validated));
        During([Storing, Completed], Ignore(ValidateFaulted));
        During([Faulted], Ignore(Stored));
        During([Completed], Ignore(StoreFaulted), Ignore(TimedOut));
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
}
