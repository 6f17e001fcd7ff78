using Inference.Contracts;
using MassTransit;

namespace Inference.Sagas;

/// <summary>The life of one product: classify (then the deep classifier when the fast one is unsure) → extract → validate (only with an MPN or GTIN) → store.</summary>
public sealed class ProductStateMachine : MassTransitStateMachine<ProductState>
{
    public ProductStateMachine(CategoryRouter router)
    {
        InstanceState(x => x.CurrentState);

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
            Ignore(Classified, context => context.Message.Queue != QueueNames.ClassifyDeep),
            When(DeepClassifyFaulted)
                .RecordFault(Stage.ClassifyDeep)
                .TransitionTo(Faulted),
            Ignore(ClassifyFaulted));

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
                .TransitionTo(Completed),
            When(StoreFaulted)
                .RecordFault(Stage.Store)
                .TransitionTo(Faulted));

        // The monitor saw no progress for longer than the stage timeout; a product that moved on since is left alone.
        During([Classifying, DeepClassifying, Extracting, Validating, Storing],
            When(TimedOut)
                .If(context => context.Saga.UpdatedAt <= context.Message.LastUpdatedAt,
                    stale => stale.RecordTimeout().TransitionTo(Faulted)));
        During([Completed, Faulted],
            Ignore(TimedOut));

        // At-least-once delivery: a repeated event for a product past that point is a duplicate, not a new run.
        During([Classifying, DeepClassifying, Extracting, Validating, Storing, Completed, Faulted],
            Ignore(Received));
        During([Extracting, Validating, Storing, Completed, Faulted],
            Ignore(Classified), Ignore(ClassifyFaulted), Ignore(DeepClassifyFaulted));
        During([Validating, Storing, Completed, Faulted],
            Ignore(Extracted), Ignore(ExtractFaulted));
        During([Storing, Completed, Faulted],
            Ignore(Validated), Ignore(ValidateFaulted));
        During([Completed, Faulted],
            Ignore(Stored), Ignore(StoreFaulted));
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
