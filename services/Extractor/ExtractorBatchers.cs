using System.Collections.Concurrent;
using Inference.Contracts;
using Inference.Hosting;
using Inference.Models;
using Microsoft.Extensions.Options;

namespace Inference.Extractor;

/// <summary>One batcher per served extractor, so texts bound for the same model share one call.</summary>
public sealed class ExtractorBatchers(ExtractorCatalog catalog, IOptions<QueueOptions> queues) : IAsyncDisposable
{
    readonly ConcurrentDictionary<string, Lazy<(IAttributeExtractor Extractor, MicroBatcher<string, Extraction> Batcher)>> _batchers = new();

    /// <summary>The extractor and its batcher; throws <see cref="UnknownExtractorException"/> for a name this process does not serve.</summary>
    public (IAttributeExtractor Extractor, MicroBatcher<string, Extraction> Batcher) For(string name)
    {
        var extractor = catalog.Get(name);
        return _batchers.GetOrAdd(name, _ => new(() => (extractor, new MicroBatcher<string, Extraction>(
            ModelMetrics.Measured<string, Extraction>(extractor.Model.Name, extractor.Extract),
            queues.Value.For(QueueNames.Extract(name)).Batch)))).Value;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var batcher in _batchers.Values.Where(b => b.IsValueCreated))
            await batcher.Value.Batcher.DisposeAsync();
    }
}
