using Inference.Contracts;
using Inference.Sagas;

namespace Inference.Cli;

/// <summary>One line of the run's output: the input's id and where the pipeline left the product.</summary>
public sealed record EnrichedRecord(
    int Line,
    string Id,
    Guid ProductId,
    string State,
    string? Category,
    double? Confidence,
    IReadOnlyList<CategoryScore> TopK,
    string? Extractor,
    string? Brand,
    string? Mpn,
    string? Gtin,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<IdentifierVerdict> Verdicts,
    IReadOnlyDictionary<string, string> Models,
    long? Revision,
    string? FaultStage,
    string? FaultReason)
{
    public static EnrichedRecord From(int line, string id, ProductState saga) => new(
        line, id, saga.CorrelationId, saga.CurrentState, saga.Category, saga.Confidence, saga.TopK, saga.Extractor,
        saga.Brand, saga.Mpn, saga.Gtin, saga.Attributes, saga.Verdicts, saga.Models, saga.Revision,
        saga.FaultStage, saga.FaultReason);

    public static EnrichedRecord Missing(int line, string id, Guid productId, string state) => new(
        line, id, productId, state, null, null, [], null, null, null, null,
        new Dictionary<string, string>(), [], new Dictionary<string, string>(), null, null, null);
}
