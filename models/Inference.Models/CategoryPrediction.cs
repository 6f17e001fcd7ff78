using Inference.Contracts;

namespace Inference.Models;

/// <summary>A classifier's answer: the best category (null when it has none), its confidence, and the top-k.</summary>
public sealed record CategoryPrediction(string? Category, double Confidence, IReadOnlyList<CategoryScore> TopK)
{
    public static readonly CategoryPrediction None = new(null, 0, []);
}
