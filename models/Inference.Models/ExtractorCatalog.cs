namespace Inference.Models;

/// <summary>The extractors a process serves, by name (the suffix of their <c>extract-</c> queue).</summary>
public sealed class ExtractorCatalog(IReadOnlyDictionary<string, IAttributeExtractor> extractors)
{
    public IReadOnlyCollection<string> Names => extractors.Keys.ToArray();

    public IAttributeExtractor Get(string name) =>
        extractors.TryGetValue(name, out var extractor)
            ? extractor
            : throw new UnknownExtractorException(name, extractors.Keys);
}

/// <summary>A command named an extractor this process does not serve: a routing or deployment mistake.</summary>
public sealed class UnknownExtractorException(string name, IEnumerable<string> served)
    : Exception($"extractor '{name}' is not served by this process (it serves: {string.Join(", ", served.Order())})");
