namespace Inference.Contracts;

/// <summary>Command to an <c>extract-&lt;extractor&gt;</c> queue: pull brand, MPN, GTIN and attributes out of the text.</summary>
/// <param name="Extractor">The extractor the saga routed to (the queue's suffix, e.g. "generic").</param>
/// <param name="Category">The classified category, or null when unknown.</param>
public sealed record ExtractAttributes(Guid ProductId, string Text, string Extractor, string? Category);
