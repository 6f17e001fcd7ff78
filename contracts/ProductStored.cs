namespace Inference.Contracts;

/// <summary>The record is in the store; Revision counts the upserts of this product.</summary>
public sealed record ProductStored(Guid ProductId, long Revision, DateTimeOffset StoredAt);
