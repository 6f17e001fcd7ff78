namespace Inference.Contracts;

/// <summary>A product's run is over and its record stored. Published when the saga enters Completed.</summary>
/// <param name="Revision">The run that completed (1 for the first text of a product).</param>
public sealed record ProductCompleted(Guid ProductId, long Revision, DateTimeOffset CompletedAt);
