using System.Text;
using Inference.Models.Identifiers;
using Inference.Models.Onnx.Text;

namespace Inference.Models.Onnx;

/// <summary>The post-processing rules of <see cref="ExtractionRules"/>, one flag each, so each can be measured on its own.</summary>
[Flags]
public enum ExtractionRule
{
    None = 0,

    /// <summary>
    /// No GTIN decoded: the first run of 12, 13 or 14 ASCII digits in the text whose GS1 check digit holds is the GTIN. Not 8 digits (folds
    /// 0-7: 21 such runs, none a GTIN, 7 an MPN), not digits broken by spaces or hyphens (11 such runs, none a GTIN); the GS1 prefix table
    /// is not consulted (it accepts all 121 runs of folds 0-7, 116 of them the record's GTIN).
    /// </summary>
    GtinByCheckDigit = 1,

    /// <summary>
    /// A GTIN printed after (or before) the MPN, apart by a space, is not part of the MPN: cut it off the MPN's edge. An MPN that is exactly the
    /// GTIN's number stays (folds 0-7: each of the 3 MPNs that were a GS1 number was the record's MPN).
    /// </summary>
    MpnWithoutGtin = 2,

    /// <summary>
    /// An MPN ending (starting) where the case split cut one run of word characters is widened over the touching piece when that piece is only
    /// upper-case letters and digits (<c>KTC-D320/1</c> + <c>G</c>): a code's suffix, not a glued word such as <c>5Pack</c> (folds 0-7: 4 MPNs
    /// right after, none wrong; the 9 glued words were <c>Pack</c>). MPN only: on folds 0-7 the same widening loses attributes (<c>1P</c>,
    /// <c>BlackALTERNATE</c>: 61), GTINs (<c>…INNER</c>: 40) and, over pieces with lowercase letters, brands (<c>PackPost-it</c>).
    /// </summary>
    MpnCaseSplitEdges = 4,

    /// <summary>
    /// An MPN ending in '-' and a number glued to <c>Pack</c> (<c>9X923-2Pack</c>: the snap took <c>-2</c>) loses that number: it is the pack's
    /// quantity (folds 0-7: 9 such MPNs, each right without it, none with it).
    /// </summary>
    MpnPackQuantity = 8,

    /// <summary>
    /// The snap joins over '.', so a value can run across a sentence whose space is missing (<c>warranty.Blue</c>, <c>Black.UPC</c>): at a '.'
    /// between a word of letters and a capitalised word, cut the value and keep the one part that holds a value the attribute gazetteer
    /// (<c>attribute_values.tsv</c>) lists for that attribute (nothing changes when no part or several do).
    /// </summary>
    AttributeSentenceGlue = 16,

    /// <summary>
    /// The snap joins over '/', so a spec chain becomes one value (<c>3.5GHz/4-core/16MB/115W</c> as the cache): when the value is not itself a
    /// gazetteer value of its attribute, cut it at each '/' beside a letter (not in fractions or <c>60/1</c>) and keep the first part the
    /// gazetteer lists for that attribute, with the listed parts right after it (<c>Black/Gray</c> stays whole).
    /// </summary>
    AttributeSlashParts = 32,

    /// <summary>A measurement cut inside a mixed number takes the rest of it: <c>3/8</c> after <c>2 </c> → <c>2 3/8</c>; <c>8</c> before <c> 1/2"</c> → <c>8 1/2"</c>.</summary>
    AttributeMixedNumber = 64,

    /// <summary>
    /// A dimension letter glued after the inch or foot mark is not part of the value: <c>24"W</c> → <c>24"</c> (on folds 0-7 the letter agrees with
    /// the annotated dimension 151 times in 164; relabelling by it changed nothing, so only the letter goes).
    /// </summary>
    AttributeDimensionLetter = 128,

    All = ~0,
}

/// <summary>
/// What runs after the decoder (which stays as the manifest and the Python test vectors define it): general rules over the decoded spans
/// and the text, each justified by the training and validation folds (0-7) and measured on folds 8+9 by <c>inference eval --rules</c>.
/// </summary>
public sealed class ExtractionRules
{
    public const string Mpn = "MPN", Gtin = "GTIN";

    /// <summary>The GTIN lengths the check-digit rule accepts (not GTIN-8, see <see cref="ExtractionRule.GtinByCheckDigit"/>).</summary>
    static readonly int[] GtinLengths = [12, 13, 14];

    static readonly string[] InchMarks = ["\"", "'", "\u2033", "\u2032"];
    static readonly string[] DimensionLetters = ["w", "d", "h", "l"];

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
        if (On(ExtractionRule.GtinByCheckDigit)) GtinByCheckDigit(tokens, spans);
        if (On(ExtractionRule.MpnWithoutGtin)) MpnWithoutGtin(tokens, spans);
        if (On(ExtractionRule.MpnCaseSplitEdges)) MpnCaseSplitEdges(tokens, spans);
        if (On(ExtractionRule.MpnPackQuantity)) MpnPackQuantity(tokens, spans);
        for (var s = 0; s < spans.Count; s++)
        {
            if (!_attributes.Contains(spans[s].Label)) continue;
            var (first, end) = (spans[s].First, spans[s].End);
            if (On(ExtractionRule.AttributeSentenceGlue)) (first, end) = SentenceGlue(tokens, spans[s].Label, first, end);
            if (On(ExtractionRule.AttributeSlashParts)) (first, end) = SlashParts(tokens, spans[s].Label, first, end);
            if (On(ExtractionRule.AttributeMixedNumber)) (first, end) = MixedNumber(tokens, first, end);
            if (On(ExtractionRule.AttributeDimensionLetter)) (first, end) = DimensionLetter(tokens, first, end);
            if ((first, end) != (spans[s].First, spans[s].End)) spans[s] = With(tokens, spans[s], first, end);
        }
    }

    static int IndexOf(List<DecodedSpan> spans, string label)
    {
        for (var i = 0; i < spans.Count; i++)
        {
            if (spans[i].Label == label) return i;
        }

        return -1;
    }

    void GtinByCheckDigit(TokenizedText tokens, List<DecodedSpan> spans)
    {
        if (IndexOf(spans, Gtin) >= 0) return;
        if (Identifiers.Gtin.FirstInText(tokens.Text, GtinLengths) is not var (start, stop)) return;
        var (first, end) = TokensOf(tokens, start, stop);
        spans.Add(new DecodedSpan(Gtin, first, end, start, stop, tokens.Text[start..stop], 1.0));
    }

    void MpnWithoutGtin(TokenizedText tokens, List<DecodedSpan> spans)
    {
        var m = IndexOf(spans, Mpn);
        var g = IndexOf(spans, Gtin);
        if (m < 0 || g < 0) return;
        var (mpn, gtin) = (spans[m], spans[g]);
        if (gtin.First >= gtin.End || gtin.End > tokens.Count) return; // beyond the tokens the model read
        if (tokens[gtin.First].Start != gtin.Start || tokens[gtin.End - 1].End != gtin.Stop) return; // not whole tokens
        int first = mpn.First, end = mpn.End;
        if (gtin.First > first && gtin.End == end && Apart(tokens, gtin.First - 1, gtin.First)) end = gtin.First;
        else if (gtin.First == first && gtin.End < end && Apart(tokens, gtin.End - 1, gtin.End)) first = gtin.End;
        else return;
        while (first < end && !IsWord(tokens, first)) first++;
        while (end > first && !IsWord(tokens, end - 1)) end--;
        if (first == end) return;
        spans[m] = With(tokens, mpn, first, end);
    }

    void MpnCaseSplitEdges(TokenizedText tokens, List<DecodedSpan> spans)
    {
        var m = IndexOf(spans, Mpn);
        if (m < 0) return;
        var mpn = spans[m];
        int first = mpn.First, end = mpn.End;
        while (end < tokens.Count && CaseSplit(tokens, end - 1, end) && UpperOrDigits(tokens, end)) end++;
        while (first > 0 && CaseSplit(tokens, first - 1, first) && UpperOrDigits(tokens, first - 1)) first--;
        if ((first, end) == (mpn.First, mpn.End)) return;
        // the manifest's snap, as the decoder would have done had the model tagged the pieces
        if (_decoder.Snap(tokens, first, end) is { } snapped) (first, end) = snapped;
        spans[m] = With(tokens, mpn, first, end);
    }

    void MpnPackQuantity(TokenizedText tokens, List<DecodedSpan> spans)
    {
        var m = IndexOf(spans, Mpn);
        if (m < 0) return;
        var (first, end) = (spans[m].First, spans[m].End);
        if (end - first < 3 || end >= tokens.Count || tokens.LowerText(end) != "pack" || !Touch(tokens, end - 1, end)) return;
        if (!Digits(tokens, end - 1) || tokens.RawText(end - 2) != "-" || !Touch(tokens, end - 2, end - 1) || !IsWord(tokens, end - 3)) return;
        spans[m] = With(tokens, spans[m], first, end - 2);
    }

    (int, int) SentenceGlue(TokenizedText tokens, string label, int first, int end)
    {
        (int, int)? kept = null;
        var from = first;
        for (var k = first + 1; k <= end; k++)
        {
            var cut = k < end - 1 && tokens.RawText(k) == "." && Touch(tokens, k - 1, k) && Touch(tokens, k, k + 1)
                      && Letters(tokens, k - 1) && _tables.IsCased(tokens.Raw(k + 1)[0]);
            if (!cut && k < end) continue;
            if (HoldsValueOf(tokens, label, from, k))
            {
                if (kept is not null) return (first, end); // several parts hold a value: leave it
                kept = (from, k);
            }

            from = k + 1;
        }

        return kept is { } part && part != (first, end) ? part : (first, end);
    }

    (int, int) SlashParts(TokenizedText tokens, string label, int first, int end)
    {
        if (IsValueOf(tokens, label, first, end)) return (first, end);
        var parts = new List<(int From, int To)>();
        var from = first;
        for (var k = first + 1; k < end - 1; k++)
        {
            if (tokens.RawText(k) != "/" || !(HasLetter(tokens, k - 1) || HasLetter(tokens, k + 1))) continue;
            parts.Add((from, k));
            from = k + 1;
        }

        if (parts.Count == 0) return (first, end);
        parts.Add((from, end));
        var n = parts.FindIndex(p => IsValueOf(tokens, label, p.From, p.To));
        if (n < 0) return (first, end);
        var m = n;
        while (m + 1 < parts.Count && IsValueOf(tokens, label, parts[m + 1].From, parts[m + 1].To)) m++;
        return (parts[n].From, parts[m].To);
    }

    (int, int) MixedNumber(TokenizedText tokens, int first, int end)
    {
        var n = tokens.Count;
        // starts with a fraction; a whole number one space before it that is not itself glued to something
        if (Fraction(tokens, first) && first > 0 && Digits(tokens, first - 1) && OneSpace(tokens, first - 1, first) && !(first > 1 && Touch(tokens, first - 2, first - 1)))
            first--;
        // ends with a whole number (not a fraction's denominator); a fraction one space after it, then at most an inch mark
        if (Digits(tokens, end - 1) && !(end >= 2 && tokens.RawText(end - 2) == "/" && Touch(tokens, end - 2, end - 1))
            && end < n && OneSpace(tokens, end - 1, end) && Fraction(tokens, end) && !(end + 3 < n && Touch(tokens, end + 2, end + 3) && !IsInchMark(tokens, end + 3)))
        {
            end += 3;
            if (end < n && Touch(tokens, end - 1, end) && IsInchMark(tokens, end)) end++;
        }

        return (first, end);
    }

    (int, int) DimensionLetter(TokenizedText tokens, int first, int end)
    {
        if (end - first >= 2 && Touch(tokens, end - 2, end - 1) && IsInchMark(tokens, end - 2) && DimensionLetters.Contains(tokens.LowerText(end - 1)))
            end--;
        return (first, end);
    }

    /// <summary>Tokens <c>[from, to)</c> are exactly a gazetteer value of <paramref name="label"/>.</summary>
    bool IsValueOf(TokenizedText tokens, string label, int from, int to) =>
        _values is not null && from < to && _values.ValueOf(tokens, from, to) is var v && v >= 0 && _valueNames[v] == label;

    /// <summary>Some tokens inside <c>[from, to)</c> are a gazetteer value of <paramref name="label"/>.</summary>
    bool HoldsValueOf(TokenizedText tokens, string label, int from, int to)
    {
        if (_values is null) return false;
        for (var x = from; x < to; x++)
        {
            for (var y = x + 1; y <= Math.Min(to, x + _values.MaxTokens); y++)
            {
                if (IsValueOf(tokens, label, x, y)) return true;
            }
        }

        return false;
    }

    /// <summary>Tokens <c>k, k+1, k+2</c> are digits, '/', digits, touching.</summary>
    static bool Fraction(TokenizedText tokens, int k) =>
        k + 2 < tokens.Count && Digits(tokens, k) && tokens.RawText(k + 1) == "/" && Digits(tokens, k + 2) && Touch(tokens, k, k + 1) && Touch(tokens, k + 1, k + 2);

    static bool Digits(TokenizedText tokens, int k)
    {
        foreach (var cp in tokens.Raw(k))
        {
            if (cp is < '0' or > '9') return false;
        }

        return true;
    }

    static bool IsInchMark(TokenizedText tokens, int k) => InchMarks.Contains(tokens.RawText(k));

    static bool OneSpace(TokenizedText tokens, int a, int b) => tokens[b].Start == tokens[a].End + 1 && tokens.Text[tokens[a].End] == ' ';

    static bool Touch(TokenizedText tokens, int a, int b) => tokens[a].End == tokens[b].Start;

    static bool Letters(TokenizedText tokens, int k)
    {
        foreach (var cp in tokens.Raw(k))
        {
            if (!Rune.IsLetter(new Rune(cp))) return false;
        }

        return true;
    }

    static bool HasLetter(TokenizedText tokens, int k)
    {
        foreach (var cp in tokens.Raw(k))
        {
            if (Rune.IsLetter(new Rune(cp))) return true;
        }

        return false;
    }

    /// <summary>Two word tokens that touch: the tokenizer's case split cut one run of word characters between them.</summary>
    bool CaseSplit(TokenizedText tokens, int a, int b) => tokens[a].End == tokens[b].Start && IsWord(tokens, a) && IsWord(tokens, b);

    /// <summary>Only upper- or titlecase letters and ASCII digits (the pinned tables know which code points have a lowercase form).</summary>
    bool UpperOrDigits(TokenizedText tokens, int index)
    {
        foreach (var cp in tokens.Raw(index))
        {
            if (!_tables.IsCased(cp) && cp is < '0' or > '9') return false;
        }

        return true;
    }

    static bool Apart(TokenizedText tokens, int a, int b) => tokens[a].End < tokens[b].Start;

    bool IsWord(TokenizedText tokens, int index) => _tables.IsWord(tokens.Lower(index)[0]);

    /// <summary>The span over tokens <c>[first, end)</c>; it keeps the decoder's score.</summary>
    static DecodedSpan With(TokenizedText tokens, DecodedSpan span, int first, int end)
    {
        var start = tokens[first].Start;
        var stop = tokens[end - 1].End;
        return span with { First = first, End = end, Start = start, Stop = stop, Value = TagDecoder.Slice(tokens.Text, start, stop) };
    }

    /// <summary>The tokens covering UTF-16 <c>[start, stop)</c>; past the last token (text the model did not read) an empty range at the end.</summary>
    static (int First, int End) TokensOf(TokenizedText tokens, int start, int stop)
    {
        var first = 0;
        while (first < tokens.Count && tokens[first].End <= start) first++;
        var end = first;
        while (end < tokens.Count && tokens[end].Start < stop) end++;
        return (first, end);
    }
}
