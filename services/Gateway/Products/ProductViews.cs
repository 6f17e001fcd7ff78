using System.Text.Json;
using Inference.Contracts;
using Inference.Sagas;
using Inference.Data;

namespace Inference.Gateway.Products;

/// <summary>One accepted product: its id and where to follow it.</summary>
public sealed record ProductAccepted(Guid Id, string Location);

/// <summary>An accepted batch: every product's id and location, in the order posted.</summary>
public sealed record ProductsAccepted(int Accepted, IReadOnlyList<ProductAccepted> Products);

/// <summary>When each stage of a product finished.</summary>
public sealed record StageTimes(
    DateTimeOffset ReceivedAt,
    DateTimeOffset? ClassifiedAt,
    DateTimeOffset? ExtractedAt,
    DateTimeOffset? ValidatedAt,
    DateTimeOffset? StoredAt,
    DateTimeOffset? FaultedAt,
    DateTimeOffset UpdatedAt);

/// <summary>Why a product's run failed: the stage and the first exception's message.</summary>
public sealed record ProductFault(string? Stage, string? Reason);

/// <summary>Which stage decided the category (<c>classify</c>, or <c>classify-deep</c> when the fast classifier was below the gate), and the fast classifier's own answer.</summary>
public sealed record ClassificationPath(string DecidedBy, string? FastCategory, double? FastConfidence);

/// <summary>A product's saga as the pipeline knows it now.</summary>
/// <param name="Revision">The run: 1 for the product's first text, one more for each changed text or reprocessing.</param>
/// <param name="Attempt">The try of this run: one more each time it left Faulted (a retry, a redriven command).</param>
/// <param name="PendingText">A newer, different text received while this run is in flight: it runs as the next revision when this one ends.</param>
public sealed record ProductStateView(
    Guid Id,
    string State,
    string Source,
    string? SourceId,
    string Text,
    StageTimes Stages,
    string? Category,
    double? Confidence,
    IReadOnlyList<CategoryScore> TopK,
    ClassificationPath? Classification,
    string? Extractor,
    string? Brand,
    string? Mpn,
    string? Gtin,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<IdentifierVerdict> Verdicts,
    IReadOnlyDictionary<string, string> Models,
    long? Revision,
    int Attempt,
    string? PendingText,
    int Resends,
    ProductFault? Fault,
    string Record)
{
    public static ProductStateView From(ProductState saga, string location) => new(
        saga.CorrelationId,
        saga.CurrentState,
        saga.Source,
        saga.SourceId,
        saga.Text,
        new StageTimes(saga.ReceivedAt, saga.ClassifiedAt, saga.ExtractedAt, saga.ValidatedAt, saga.StoredAt, saga.FaultedAt, saga.UpdatedAt),
        saga.Category,
        saga.Confidence,
        saga.TopK,
        saga.ClassifiedBy is null ? null : new ClassificationPath(saga.ClassifiedBy, saga.FastCategory ?? saga.Category, saga.FastConfidence ?? saga.Confidence),
        saga.Extractor,
        saga.Brand,
        saga.Mpn,
        saga.Gtin,
        saga.Attributes,
        saga.Verdicts,
        saga.Models,
        saga.Revision,
        saga.Attempt,
        saga.PendingText,
        saga.Resends,
        saga.FaultStage is null && saga.FaultReason is null ? null : new ProductFault(saga.FaultStage, saga.FaultReason),
        $"{location}/record");
}

/// <summary>A product as stored, its JSON columns as JSON rather than strings.</summary>
public sealed record ProductRecordView(
    Guid Id,
    string Source,
    string? SourceId,
    string Text,
    string? Category,
    double? Confidence,
    string? Brand,
    string? Mpn,
    string? Gtin,
    bool? MpnValid,
    bool? GtinValid,
    JsonElement Attributes,
    JsonElement Verdicts,
    JsonElement Models,
    JsonElement Adjustments,
    DateTimeOffset ReceivedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Revision)
{
    public static ProductRecordView From(ProductRecord record) => new(
        record.ProductId,
        record.Source,
        record.SourceId,
        record.Text,
        record.Category,
        record.Confidence,
        record.Brand,
        record.Mpn,
        record.Gtin,
        record.MpnValid,
        record.GtinValid,
        Json(record.Attributes),
        Json(record.Verdicts),
        Json(record.Models),
        Json(record.Adjustments),
        record.ReceivedAt,
        record.CreatedAt,
        record.UpdatedAt,
        record.Revision);

    static JsonElement Json(string column)
    {
        using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(column) ? "null" : column);
        return document.RootElement.Clone();
    }
}
