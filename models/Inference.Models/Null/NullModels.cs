using Inference.Contracts;

namespace Inference.Models.Null;

/// <summary>Pass-through models for <c>inference bench --models null</c>: a fixed answer, no work, so only orchestration is measured.</summary>
public static class NullModels
{
    public static readonly ModelRef Model = new("null", "0");

    /// <summary>Every product is sure to be a computer accessory: the busiest route, and a real extractor queue.</summary>
    public static readonly CategoryPrediction Prediction = new("computers-accessories", 1.0, [new CategoryScore("computers-accessories", 1.0)]);

    /// <summary>Every product has an MPN, so every product also passes through validation.</summary>
    public static readonly Extraction Extraction = new("null", "NULL-0001", null, new Dictionary<string, string>());
}

/// <summary>Answers <see cref="NullModels.Prediction"/> for every text.</summary>
public sealed class NullCategoryClassifier : ICategoryClassifier
{
    public ModelRef Model => NullModels.Model;

    public IReadOnlyList<CategoryPrediction> Classify(IReadOnlyList<string> texts) => texts.Select(_ => NullModels.Prediction).ToArray();
}

/// <summary>Answers <see cref="NullModels.Extraction"/> for every text.</summary>
public sealed class NullAttributeExtractor : IAttributeExtractor
{
    public ModelRef Model => NullModels.Model;

    public IReadOnlyList<Extraction> Extract(IReadOnlyList<string> texts) => texts.Select(_ => NullModels.Extraction).ToArray();
}

/// <summary>Scores every part number 1: plausible.</summary>
public sealed class NullMpnScorer : IMpnScorer
{
    public ModelRef Model => NullModels.Model;

    public double Threshold => 0.5;

    public IReadOnlyList<double> Score(IReadOnlyList<MpnCandidate> candidates) => candidates.Select(_ => 1.0).ToArray();
}
