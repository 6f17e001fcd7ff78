namespace Inference.Contracts;

/// <summary>The record is in the store, as of the saga's run <paramref name="Revision"/>.</summary>
public sealed record ProductStored(Guid ProductId, long Revision, DateTimeOffset StoredAt);
