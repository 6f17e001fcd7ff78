namespace Inference.Contracts;

/// <summary>
/// A product has waited longer than the stage timeout without an answer. Published by the Orchestrator's stage-timeout
/// monitor; the saga faults the product only if nothing happened to it since <paramref name="LastUpdatedAt"/>.
/// </summary>
public sealed record StageTimedOut(Guid ProductId, string State, DateTimeOffset LastUpdatedAt, TimeSpan Timeout);
