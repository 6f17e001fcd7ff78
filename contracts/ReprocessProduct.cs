namespace Inference.Contracts;

/// <summary>
/// Command to the saga's queue (<c>product-state</c>): run a stored product through the pipeline again, as a new revision, with
/// the models serving now. Carries the stored record's text, so a product whose saga has expired runs again too.
/// </summary>
/// <param name="ReceivedAt">When the stored text was received: a newer text of the product still wins over it.</param>
/// <param name="StoredRevision">The revision of the stored record; the new run's revision is above it and above the saga's.</param>
/// <param name="RequestedAt">When the reprocessing was asked for.</param>
public sealed record ReprocessProduct(
    Guid ProductId, string Source, string? SourceId, string Text, DateTimeOffset ReceivedAt, long StoredRevision, DateTimeOffset RequestedAt);
