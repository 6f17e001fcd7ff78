namespace Inference.Contracts;

/// <summary>
/// Command to the saga's queue (<c>product-state</c>): run a Faulted product again from the stage that failed. The saga leaves
/// Faulted for that stage, sends its command again and counts the attempt; a product that is not Faulted is left as it is.
/// </summary>
public sealed record RetryProduct(Guid ProductId, DateTimeOffset RequestedAt);
