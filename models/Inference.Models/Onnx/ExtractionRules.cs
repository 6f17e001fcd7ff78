using Inference.Models.Onnx.Text;

namespace Inference.Models.Onnx;

/// <summary>The post-processing rules of <see cref="ExtractionRules"/>, one flag each, so each can be measured on its own.</summary>
[Flags]
public enum ExtractionRule
{
    None = 0,

    All = ~0,
}

/// <summary>
/// What runs after the decoder (which stays as the manifest and the Python test vectors define it): general rules over the decoded spans
/// and the text, each justified by the training and validation folds (0-7) and measured on folds 8+9 by <c>inference eval --rules</c>.
/// </summary>
public sealed class ExtractionRules
{
    readonly UnicodeTables _tables;
    readonly TagDecoder _decoder;
    readonly HashSet<string> _attributes;
    readonly Gazetteer? _values;
    readonly IReadOnlyList<string> _valueNames;

    /// <param name="attributes">the extractor's attribute labels (every other label is BRAND, MPN or GTIN)</param>
    /// <param name="values">the attribute gazetteer (<c>attribute_values.tsv</c>), its values indexing <paramref name="valueNames"/>; null when the extractor has none</param>
    public ExtractionRules(UnicodeTables tables, TagDecoder decoder, IEnumerable<string> attributes, Gazetteer? values, IReadOnlyList<string> valueNames,
        ExtractionRule enabled = ExtractionRule.All)
    {
        _tables = tables;
        _decoder = decoder;
        _attributes = [.. attributes];
        _values = values;
        _valueNames = valueNames;
        Enabled = enabled;
    }

    public ExtractionRule Enabled { get; }

    /// <summary>The rules that run, by name.</summary>
    public IReadOnlyList<string> EnabledNames =>
        Enum.GetValues<ExtractionRule>().Where(r => r is not ExtractionRule.None and not ExtractionRule.All && On(r)).Select(r => r.ToString()).ToArray();

    bool On(ExtractionRule rule) => (Enabled & rule) == rule;

    /// <summary>
    /// Changes, adds or removes spans of one text in place (at most one span per label, as the decoder gives). A span a rule reshapes keeps the
    /// decoder's score; a GTIN found by its check digit scores 1.
    /// </summary>
    public void Apply(TokenizedText tokens, List<DecodedSpan> spans)
    {
        if (Enabled == ExtractionRule.None || tokens.Count == 0) return;
    }
}
