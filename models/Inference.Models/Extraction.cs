namespace Inference.Models;

/// <summary>What an extractor found in one text; null where it found nothing.</summary>
public sealed record Extraction(string? Brand, string? Mpn, string? Gtin, IReadOnlyDictionary<string, string> Attributes)
{
    public static readonly Extraction Empty = new(null, null, null, new Dictionary<string, string>());
}
