namespace Inference.Contracts;

/// <summary>The extractor's findings: brand, MPN, GTIN and the category's own attributes.</summary>
public sealed record AttributesExtracted(
    Guid ProductId,
    string? Brand,
    string? Mpn,
    string? Gtin,
    IReadOnlyDictionary<string, string> Attributes,
    ModelRef Model);
