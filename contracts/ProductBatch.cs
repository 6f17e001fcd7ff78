namespace Inference.Contracts;

/// <summary>
/// Many products' messages of one kind to one queue in one broker message: a stage's answers sent straight to the saga's queue
/// (<see cref="QueueNames.ProductState"/>), or the saga's commands to a stage's queue, when they are ready together. The receiver
/// handles each item as if it had arrived alone: its own saga, retry and fault. At a light load an envelope holds one product.
/// </summary>
public sealed record ProductBatch<T>(IReadOnlyList<ProductBatchItem<T>> Items) where T : class;

/// <summary>One product's message in a <see cref="ProductBatch{T}"/>, with the W3C trace context it was sent in (one trace per product).</summary>
public sealed record ProductBatchItem<T>(T Message, string? TraceParent) where T : class;
