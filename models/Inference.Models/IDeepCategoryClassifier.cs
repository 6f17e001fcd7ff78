using Inference.Contracts;

namespace Inference.Models;

/// <summary>The cascade's second stage: decides the category of products the fast classifier was unsure of, from both models' scores.</summary>
public interface IDeepCategoryClassifier
{
    /// <summary>The deep model itself.</summary>
    ModelRef Model { get; }

    /// <summary>The fast model whose scores it blends in.</summary>
    ModelRef FastModel { get; }

    /// <summary>One deciding prediction per text, in order.</summary>
    IReadOnlyList<CategoryPrediction> Classify(IReadOnlyList<string> texts);
}
