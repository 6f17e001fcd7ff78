namespace Inference.Contracts;

/// <summary>The saga gave up on a product: the stage that failed and why. Published once, when the saga enters Faulted.</summary>
public sealed record ProductFaulted(Guid ProductId, string Stage, string Reason, DateTimeOffset FaultedAt);
