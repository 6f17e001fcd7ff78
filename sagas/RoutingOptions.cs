namespace Inference.Sagas;

/// <summary>Which extractor serves which category, and how sure the classifier must be to use it.</summary>
public sealed class RoutingOptions
{
    public const string Section = "Routing";

    /// <summary>Below this confidence a product goes to the fallback extractor.</summary>
    public double MinConfidence { get; set; } = 0.5;

    /// <summary>
    /// Below this confidence of the fast classifier a product goes to the deep classifier (queue <c>classify-deep</c>), whose answer
    /// decides; 0 turns the deep stage off. The deep model's manifest says the gate it was tuned with (<c>gate.value</c>).
    /// </summary>
    public double DeepGate { get; set; }

    /// <summary>The extractor for categories without a route and for low-confidence products.</summary>
    public string Fallback { get; set; } = "generic";

    /// <summary>Category → extractor name; the queue is <c>extract-&lt;name&gt;</c>. Several categories may share one.</summary>
    public Dictionary<string, string> Routes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every extractor the routing table can send to, the fallback included.</summary>
    public IReadOnlyCollection<string> Extractors =>
        Routes.Values.Append(Fallback).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToArray();
}
