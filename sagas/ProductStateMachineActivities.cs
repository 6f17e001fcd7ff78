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

    public static EventActivityBinder<ProductState, ProductTextReceived> RecordReceipt(
        this EventActivityBinder<ProductState, ProductTextReceived> binder) =>
        binder.Then(context =>
        {
            var (saga, message) = (context.Saga, context.Message);
            saga.Source = message.Source;
            saga.SourceId = message.SourceId;
            saga.Text = message.Text;
            saga.ReceivedAt = message.ReceivedAt;
            saga.UpdatedAt = DateTimeOffset.UtcNow;
        });

    public static EventActivityBinder<ProductState, ProductTextReceived> SendToClassifier(
        this EventActivityBinder<ProductState, ProductTextReceived> binder) =>
        binder.Send(ClassifyQueue, context => new ClassifyProduct(context.Saga.CorrelationId, context.Saga.Text));

    public static EventActivityBinder<ProductState, ProductClassified> RecordClassification(
        this EventActivityBinder<ProductState, ProductClassified> binder) =>
        binder.Then(context =>
        {
            var (saga, message) = (context.Saga, context.Message);
            saga.Category = message.Category;
            saga.Confidence = message.Confidence;
            saga.TopK = [.. message.TopK];
            saga.Models[Stage.Classify] = message.Model.ToString();
            saga.ClassifiedBy = Stage.Classify;
            saga.ClassifiedAt = saga.UpdatedAt = DateTimeOffset.UtcNow;
        });

    /// <summary>Keeps the fast classifier's answer and asks the deep classifier, whose answer will decide.</summary>
    public static EventActivityBinder<ProductState, ProductClassified> SendToDeepClassifier(
        this EventActivityBinder<ProductState, ProductClassified> binder) =>
        binder
            .Then(context =>
            {
                context.Saga.FastCategory = context.Message.Category;
                context.Saga.FastConfidence = context.Message.Confidence;
            })
            .Send(ClassifyDeepQueue, context => new ClassifyProductDeep(context.Saga.CorrelationId, context.Saga.Text, context.Message.Model));

    /// <summary>The deep classifier's answer replaces the fast one as the product's category; both models stay on record.</summary>
    public static EventActivityBinder<ProductState, ProductClassified> RecordDeepClassification(
        this EventActivityBinder<ProductState, ProductClassified> binder) =>
        binder.Then(context =>
        {
            var (saga, message) = (context.Saga, context.Message);
            saga.Category = message.Category;
            saga.Confidence = message.Confidence;
            saga.TopK = [.. message.TopK];
            saga.Models[Stage.ClassifyDeep] = message.Model.ToString();
            saga.ClassifiedBy = Stage.ClassifyDeep;
            saga.ClassifiedAt = saga.UpdatedAt = DateTimeOffset.UtcNow;
        });

    public static EventActivityBinder<ProductState, ProductClassified> RouteToExtractor(
        this EventActivityBinder<ProductState, ProductClassified> binder, CategoryRouter router) =>
        binder.Then(context => context.Saga.Extractor = router.ExtractorFor(context.Message.Category, context.Message.Confidence));

    public static EventActivityBinder<ProductState, ProductClassified> SendToExtractor(
        this EventActivityBinder<ProductState, ProductClassified> binder) =>
        binder.Send(
            context => new Uri($"queue:{QueueNames.Extract(context.Saga.Extractor!)}"),
            context => new ExtractAttributes(context.Saga.CorrelationId, context.Saga.Text, context.Saga.Extractor!, context.Saga.Category));

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
            saga.ExtractedAt = saga.UpdatedAt = DateTimeOffset.UtcNow;
        });

    public static EventActivityBinder<ProductState, AttributesExtracted> SendToValidator(
        this EventActivityBinder<ProductState, AttributesExtracted> binder) =>
        binder.Send(ValidateQueue, context =>
            new ValidateIdentifiers(context.Saga.CorrelationId, context.Saga.Brand, context.Saga.Mpn, context.Saga.Gtin, context.Saga.Category));

    public static EventActivityBinder<ProductState, IdentifiersValidated> RecordValidation(
        this EventActivityBinder<ProductState, IdentifiersValidated> binder) =>
        binder.Then(context =>
        {
            var (saga, message) = (context.Saga, context.Message);
            saga.Verdicts = [.. message.Verdicts];
            saga.Models[Stage.Validate] = message.Model.ToString();
            saga.ValidatedAt = saga.UpdatedAt = DateTimeOffset.UtcNow;
        });

    public static EventActivityBinder<ProductState, TMessage> SendToStore<TMessage>(
        this EventActivityBinder<ProductState, TMessage> binder)
        where TMessage : class =>
        binder.Send(StoreQueue, context => ToStoreCommand(context.Saga));

    public static EventActivityBinder<ProductState, ProductStored> RecordStorage(
        this EventActivityBinder<ProductState, ProductStored> binder) =>
        binder.Then(context =>
        {
            context.Saga.Revision = context.Message.Revision;
            context.Saga.StoredAt = context.Message.StoredAt;
            context.Saga.UpdatedAt = DateTimeOffset.UtcNow;
        });

    /// <summary>Keeps the stage and the first exception's message, so the reason is visible over HTTP.</summary>
    public static EventActivityBinder<ProductState, Fault<TCommand>> RecordFault<TCommand>(
        this EventActivityBinder<ProductState, Fault<TCommand>> binder, string stage)
        where TCommand : class =>
        binder.Fault(stage, context => context.Message.Exceptions.FirstOrDefault() is { } exception
            ? $"{ShortTypeName(exception.ExceptionType)}: {exception.Message}"
            : "the consumer faulted without an exception");

    /// <summary>Faults the product at the stage it was waiting on, saying how long it waited.</summary>
    public static EventActivityBinder<ProductState, StageTimedOut> RecordTimeout(
        this EventActivityBinder<ProductState, StageTimedOut> binder) =>
        binder.Fault(
            context => Stage.AwaitedIn(context.Saga.CurrentState) ?? context.Saga.CurrentState,
            context => $"StageTimedOut: no answer within {context.Message.Timeout:g} (last progress at {context.Message.LastUpdatedAt:u})");

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
            .Publish(context => new ProductFaulted(
                context.Saga.CorrelationId, context.Saga.FaultStage!, context.Saga.FaultReason!, context.Saga.FaultedAt!.Value));

    static StoreProduct ToStoreCommand(ProductState saga) => new(
        saga.CorrelationId,
        saga.Source,
        saga.SourceId,
        saga.Text,
        saga.Category,
        saga.Confidence,
        saga.Brand,
        saga.Mpn,
        saga.Gtin,
        saga.Attributes,
        saga.Verdicts,
        saga.Models,
        saga.ReceivedAt);

    static string ShortTypeName(string? typeName) =>
        string.IsNullOrEmpty(typeName) ? "Exception" : typeName[(typeName.LastIndexOf('.') + 1)..];
}
