namespace Inference.Contracts;

/// <summary>Command to the <c>classify-deep</c> queue: the fast classifier was unsure (below the gate); decide the category with the deep model.</summary>
public sealed record ClassifyProductDeep(Guid ProductId, string Text);
