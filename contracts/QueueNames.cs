namespace Inference.Contracts;

/// <summary>The queues commands are sent to: part of the contract between the saga and the services.</summary>
public static class QueueNames
{
    /// <summary>The saga's queue: upstream's ProductTextReceived and every stage's answer arrive here.</summary>
    public const string ProductState = "product-state";

    public const string Classify = "classify";

    /// <summary>The cascade's second stage: products the fast classifier was unsure of.</summary>
    public const string ClassifyDeep = "classify-deep";
    public const string Validate = "validate";
    public const string Store = "store";

    /// <summary>Extractor names are kebab-case, so <c>extract-&lt;name&gt;</c> is a valid queue name on every transport.</summary>
    public const string ExtractorPattern = "^[a-z0-9]+(-[a-z0-9]+)*$";

    public static string Extract(string extractor) => $"extract-{extractor}";
}
