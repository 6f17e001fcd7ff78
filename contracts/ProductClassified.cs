namespace Inference.Contracts;

/// <summary>The classifier decided a category, with its confidence and the top-k scores.</summary>
/// <param name="Category">The best category, or null when the model has no answer (empty text).</param>
/// <param name="Queue">The stage that answered: <c>classify</c> (the fast classifier) or <c>classify-deep</c> (the deep one, whose answer decides).</param>
public sealed record ProductClassified(Guid ProductId, string? Category, double Confidence, IReadOnlyList<CategoryScore> TopK, ModelRef Model,
    string Queue = QueueNames.Classify);
