namespace Inference.Contracts;

/// <summary>
/// Many products' answers of one stage in one broker message, sent by a stage's service straight to the saga's queue
/// (<see cref="QueueNames.ProductState"/>) when the answers of a model batch are ready together. The Orchestrator applies each
/// item to its own product's saga as if it had arrived alone: its own state, retry and fault. At a light load a batch holds one
/// product. <typeparamref name="T"/> is one of the stage answers: <see cref="ProductClassified"/>, <see cref="AttributesExtracted"/>,
/// <see cref="IdentifiersValidated"/>, <see cref="ProductStored"/>.
/// </summary>
public sealed record ProductBatch<T>(IReadOnlyList<ProductBatchItem<T>> Items) where T : class;

/// <summary>One product's answer in a <see cref="ProductBatch{T}"/>, with the W3C trace context it was answered in (one trace per product).</summary>
public sealed record ProductBatchItem<T>(T Message, string? TraceParent) where T : class;
