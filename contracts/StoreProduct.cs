namespace Inference.Contracts;

/// <summary>Command to the <c>store</c> queue: upsert the enriched, validated record by ProductId.</summary>
public sealed record StoreProduct(
    Guid ProductId,
    string Source,
    string? SourceId,
    string Text,
    string? Category,
    double? Confidence,
    string? Brand,
    string? Mpn,
    string? Gtin,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<IdentifierVerdict> Verdicts,
    IReadOnlyDictionary<string, string> Models,
    DateTimeOffset ReceivedAt);
