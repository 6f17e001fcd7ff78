namespace Inference.Contracts;

/// <summary>
/// A product has waited past its stage deadline without an answer. Published by the Orchestrator's stage deadline monitor;
/// if nothing happened to the product since <paramref name="LastUpdatedAt"/>, the saga sends the stage's command again, or
/// faults the product when it has been re-sent enough.
/// </summary>
public sealed record StageTimedOut(Guid ProductId, string State, DateTimeOffset LastUpdatedAt, TimeSpan Waited);
