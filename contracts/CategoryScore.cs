namespace Inference.Contracts;

/// <summary>One category with the classifier's probability for it.</summary>
public sealed record CategoryScore(string Category, double Score);
