namespace Inference.Contracts;

/// <summary>An upstream system has product text to enrich. Starts the product's saga.</summary>
/// <param name="ProductId">The product's id, the saga's correlation id.</param>
/// <param name="Source">Which upstream system sent it (feed name, marketplace, ...).</param>
/// <param name="SourceId">The product's id in that system, when it has one.</param>
/// <param name="Text">The unstructured text: title, then description.</param>
/// <param name="ReceivedAt">When the pipeline accepted it; when not given, the time the saga's door took it.</param>
public sealed record ProductTextReceived(Guid ProductId, string Source, string? SourceId, string Text, DateTimeOffset? ReceivedAt = null);
