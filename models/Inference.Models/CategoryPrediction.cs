using Inference.Contracts;

namespace Inference.Models;

/// <summary>A classifier's answer: the best category (null when it has none), its confidence, and the top-k.</summary>
public sealed record CategoryPrediction(string? Category, double Confidence, IReadOnlyList<CategoryScore> TopK)
{
    public static readonly CategoryPrediction None = new(null, 0, []);

    /// <summary>The best label of a probability row (first on ties) and the <paramref name="topK"/> largest, best first.</summary>
    public static CategoryPrediction FromProbabilities(IReadOnlyList<string> labels, float[] probs, int topK)
    {
        var order = Enumerable.Range(0, probs.Length).OrderByDescending(i => probs[i]).ThenBy(i => i).Take(topK).ToArray();
        var top = order.Select(i => new CategoryScore(labels[i], probs[i])).ToArray();
        return new CategoryPrediction(top[0].Category, top[0].Score, top);
    }
}
