using Inference.Contracts;

namespace Inference.Models;

/// <summary>A one-model classifier standing in the deep stage (the baseline's keywords, the null model's fixed answer): it decides alone.</summary>
public sealed class DeepFromClassifier(ICategoryClassifier classifier) : IDeepCategoryClassifier
{
    public ModelRef Model => classifier.Model;

    public ModelRef FastModel => classifier.Model;

    public IReadOnlyList<CategoryPrediction> Classify(IReadOnlyList<string> texts) => classifier.Classify(texts);
}
