namespace Inference.Contracts;

/// <summary>The saga gave up on a product: the stage that failed and why. Published when the saga enters Faulted (and again if the fault that put it there is redelivered).</summary>
public sealed record ProductFaulted(Guid ProductId, string Stage, string Reason, DateTimeOffset FaultedAt);
