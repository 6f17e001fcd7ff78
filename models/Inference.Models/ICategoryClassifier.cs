using Inference.Contracts;

namespace Inference.Models;

/// <summary>Decides a product's coarse category from its text, a batch at a time.</summary>
public interface ICategoryClassifier
{
    ModelRef Model { get; }

    /// <summary>One prediction per text, in order. Never throws for odd text (empty, foreign script, very long).</summary>
    IReadOnlyList<CategoryPrediction> Classify(IReadOnlyList<string> texts);
}
