namespace Inference.Contracts;

/// <summary>The validator's verdicts, one per identifier it was given.</summary>
public sealed record IdentifiersValidated(Guid ProductId, IReadOnlyList<IdentifierVerdict> Verdicts, ModelRef Model);
