namespace Inference.Contracts;

/// <summary>Command to the <c>classify</c> queue: decide the product's category.</summary>
public sealed record ClassifyProduct(Guid ProductId, string Text);
