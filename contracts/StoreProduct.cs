namespace Inference.Contracts;

/// <summary>Command to the <c>store</c> queue: upsert the enriched, validated record by ProductId.</summary>
/// <param name="Revision">The saga's run of this product: the store keeps the newest, and storing one run twice changes nothing.</param>
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
    DateTimeOffset ReceivedAt,
    long Revision = 1);
