using Inference.Contracts;
using Microsoft.Extensions.Options;

namespace Inference.Sagas;

/// <summary>Maps a classified category to the extractor that serves it, from configuration.</summary>
public sealed class CategoryRouter(IOptions<RoutingOptions> options)
{
    readonly RoutingOptions _options = options.Value;

    public double MinConfidence => _options.MinConfidence;

    public string Fallback => _options.Fallback;

    public double DeepGate => _options.DeepGate;

    /// <summary>Whether the fast classifier's answer goes to the deep classifier: it named a category, below the gate (never with gate 0).</summary>
    public bool TakesDeepPath(string? category, double confidence) =>
        !string.IsNullOrWhiteSpace(category) && confidence < _options.DeepGate;

    /// <summary>The extractor for this category, or the fallback when the category is unknown, unrouted or not confident enough.</summary>
    public string ExtractorFor(string? category, double confidence)
    {
        if (string.IsNullOrWhiteSpace(category) || confidence < _options.MinConfidence)
            return _options.Fallback;

        return _options.Routes.TryGetValue(category, out var extractor) ? extractor : _options.Fallback;
    }

    public string QueueFor(string? category, double confidence) => QueueNames.Extract(ExtractorFor(category, confidence));
}
