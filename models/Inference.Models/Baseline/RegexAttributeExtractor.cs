using System.Text.RegularExpressions;
using Inference.Contracts;
using Inference.Models.Identifiers;

namespace Inference.Models.Baseline;

/// <summary>Baseline extractor: first word as brand, a labelled or letter-and-digit token as MPN, a check-digit-valid number as GTIN, one regex per attribute.</summary>
public sealed partial class RegexAttributeExtractor : IAttributeExtractor
{
    const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;
    static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(250);

    readonly Regex _mpnLabel;
    readonly Regex _measure;
    readonly (string Attribute, Regex Pattern)[] _attributes;

    RegexAttributeExtractor(Rules rules, string extractor)
    {
        Model = new ModelRef($"{rules.Name}-{extractor}", rules.Version);
        _mpnLabel = new Regex(rules.MpnLabels, Options, MatchTimeout);
        _measure = new Regex(rules.Measure, Options, MatchTimeout);
        var patterns = rules.Extractors.TryGetValue(extractor, out var own) ? own : rules.Extractors["generic"];
        _attributes = patterns.Select(p => (p.Key, new Regex(p.Value, Options, MatchTimeout))).ToArray();
    }

    public ModelRef Model { get; }

    /// <summary>The baseline names of every extractor the rule file has patterns for.</summary>
    public static IReadOnlyDictionary<string, IAttributeExtractor> ForExtractors(IEnumerable<string> names)
    {
        var rules = BaselineData.Load<Rules>("attribute-patterns.json");
        return names.Distinct().ToDictionary(n => n, IAttributeExtractor (n) => new RegexAttributeExtractor(rules, n));
    }

    public IReadOnlyList<Extraction> Extract(IReadOnlyList<string> texts) => texts.Select(Extract).ToArray();

    Extraction Extract(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Extraction.Empty;
        var gtin = FindGtin(text);
        var mpn = FindMpn(text, gtin);
        var attributes = new Dictionary<string, string>();
        foreach (var (attribute, pattern) in _attributes)
        {
            var match = Safe(() => pattern.Match(text));
            if (match is { Success: true })
                attributes[attribute] = (match.Groups["v"].Success ? match.Groups["v"] : match.Groups[0]).Value.Trim();
        }

        return new Extraction(FindBrand(text), mpn, gtin, attributes);
    }

    static string? FindBrand(string text)
    {
        var by = ByBrand().Match(text);
        if (by.Success) return by.Groups["v"].Value;
        var first = Tokens(FirstLine(text)).FirstOrDefault(t => t.Any(char.IsLetter) && t != "null");
        return first;
    }

    string? FindMpn(string text, string? gtin)
    {
        var labelled = Safe(() => _mpnLabel.Match(text));
        if (labelled is { Success: true }) return labelled.Groups["v"].Value.TrimEnd('.', '-', '/');

        return Tokens(FirstLine(text)).FirstOrDefault(token =>
            token.Length >= 4 && token != gtin &&
            token.Any(char.IsDigit) && (token.Any(char.IsLetter) || token.Contains('-')) &&
            !_measure.IsMatch(token));
    }

    static string? FindGtin(string text)
    {
        foreach (Match match in GtinCandidate().Matches(text))
        {
            if (Gtin.HasValidCheckDigit(match.Value)) return match.Value;
        }

        return null;
    }

    static string FirstLine(string text)
    {
        var newline = text.IndexOf('\n');
        return newline < 0 ? text : text[..newline];
    }

    static IEnumerable<string> Tokens(string line) =>
        line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(t => t.Trim(',', ';', ':', '(', ')', '[', ']', '"', '\'', '.', '!', '?'))
            .Where(t => t.Length > 0);

    static Match? Safe(Func<Match> match)
    {
        try { return match(); }
        catch (RegexMatchTimeoutException) { return null; }
    }

    [GeneratedRegex(@"(?<!\d)(?:\d{14}|\d{13}|\d{12}|\d{8})(?!\d)")]
    private static partial Regex GtinCandidate();

    [GeneratedRegex(@"\bby\s+(?<v>[A-Z][\w&'-]+)")]
    private static partial Regex ByBrand();

    sealed record Rules(string Name, string Version, string MpnLabels, string Measure, Dictionary<string, Dictionary<string, string>> Extractors);
}
