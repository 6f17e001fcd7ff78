using Inference.Contracts;

namespace Inference.Models.Baseline;

/// <summary>Baseline classifier: one point per hand-written keyword found in the text; the best score wins.</summary>
public sealed class KeywordCategoryClassifier : ICategoryClassifier
{
    const int TopK = 3;
    readonly (string Category, string[] Phrases)[] _keywords;

    public KeywordCategoryClassifier()
    {
        var rules = BaselineData.Load<Rules>("category-keywords.json");
        Model = new ModelRef(rules.Name, rules.Version);
        _keywords = rules.Categories
            .Select(c => (c.Key, c.Value.Select(k => $" {TextNormalizer.Words(k)} ").Distinct().ToArray()))
            .ToArray();
    }

    public ModelRef Model { get; }

    public IReadOnlyList<CategoryPrediction> Classify(IReadOnlyList<string> texts) => texts.Select(Classify).ToArray();

    CategoryPrediction Classify(string text)
    {
        var padded = $" {TextNormalizer.Words(text)} ";
        var scores = _keywords
            .Select(k => (k.Category, Score: k.Phrases.Count(p => padded.Contains(p, StringComparison.Ordinal))))
            .Where(s => s.Score > 0)
            .OrderByDescending(s => s.Score)
            .ToArray();
        if (scores.Length == 0) return CategoryPrediction.None;

        double total = scores.Sum(s => s.Score);
        var top = scores.Take(TopK).Select(s => new CategoryScore(s.Category, s.Score / total)).ToArray();
        return new CategoryPrediction(top[0].Category, top[0].Score, top);
    }

    sealed record Rules(string Name, string Version, Dictionary<string, string[]> Categories);
}
