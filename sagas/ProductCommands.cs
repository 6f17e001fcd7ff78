using Inference.Contracts;

namespace Inference.Sagas;

/// <summary>Each stage's command and its queue, built from the saga alone: so a command sent again is the same command.</summary>
public static class ProductCommands
{
    public static ClassifyProduct Classify(ProductState saga) => new(saga.CorrelationId, saga.Text);

    public static ClassifyProductDeep ClassifyDeep(ProductState saga) => new(saga.CorrelationId, saga.Text);

    public static ExtractAttributes Extract(ProductState saga) => new(saga.CorrelationId, saga.Text, saga.Extractor!, saga.Category);

    public static ValidateIdentifiers Validate(ProductState saga) => new(saga.CorrelationId, saga.Brand, saga.Mpn, saga.Gtin, saga.Category);

    public static StoreProduct Store(ProductState saga) => new(
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
        saga.ReceivedAt,
        saga.Revision ?? 1);

    /// <summary>The queue of the stage the product waits on in its state; null when it waits on none.</summary>
    public static string? QueueAwaitedBy(ProductState saga) => Stage.AwaitedIn(saga.CurrentState) switch
    {
        Stage.Classify => QueueNames.Classify,
        Stage.ClassifyDeep => QueueNames.ClassifyDeep,
        Stage.Extract => QueueNames.Extract(saga.Extractor!),
        Stage.Validate => QueueNames.Validate,
        Stage.Store => QueueNames.Store,
        _ => null,
    };
}
