using Inference.Contracts;

namespace Inference.Models;

/// <summary>Pulls brand, MPN, GTIN and category attributes out of product text, a batch at a time.</summary>
public interface IAttributeExtractor
{
    ModelRef Model { get; }

    /// <summary>One extraction per text, in order. Never throws for odd text.</summary>
    IReadOnlyList<Extraction> Extract(IReadOnlyList<string> texts);
}
