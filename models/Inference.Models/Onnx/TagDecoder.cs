using System.Text.Json.Nodes;
using Inference.Models.Onnx.Text;

namespace Inference.Models.Onnx;

/// <summary>A decoded value: its label, tokens <c>[First, End)</c>, UTF-16 <c>[Start, Stop)</c> in the text, the text there, and the span's score.</summary>
public sealed record DecodedSpan(string Label, int First, int End, int Start, int Stop, string Value, double Score);

/// <summary>
/// Turns a tagging head's per-token probabilities into one value per label, as the manifest's <c>decoding</c> says (and as
/// models/training/tagger.py does): argmax tags, BIO spans, best span per label by mean probability, a fallback for labels that must
/// nearly always have a value, and snapping of the span to joined punctuation.
/// </summary>
public sealed class TagDecoder
{
    public const string EveryAttribute = "<every attribute>";

    readonly Dictionary<string, double> _fallback;
    readonly Dictionary<string, double> _thresholds;
    readonly HashSet<string> _snap;
    readonly HashSet<string> _joiners;
    readonly HashSet<string> _keepTrailing;
    readonly UnicodeTables _tables;

    public TagDecoder(ModelManifest manifest, UnicodeTables tables)
    {
        _tables = tables;
        var decoding = manifest.Json["decoding"] ?? throw manifest.Invalid("has no 'decoding'");
        _fallback = Numbers(decoding["fallback"]);
        _thresholds = Numbers(decoding["thresholds"]);
        _snap = Strings(decoding["snap"]);
        _joiners = Strings(decoding["snap_rule"]?["joiners"]);
        _keepTrailing = Strings(decoding["snap_rule"]?["keep_trailing"]);
        if (_snap.Count > 0 && _joiners.Count == 0) throw manifest.Invalid("decoding.snap is set but decoding.snap_rule.joiners is missing");
    }

    public TagDecoder(UnicodeTables tables, IReadOnlyDictionary<string, double> fallback, IEnumerable<string> snap, IEnumerable<string> joiners,
        IEnumerable<string> keepTrailing, IReadOnlyDictionary<string, double>? thresholds = null)
    {
        _tables = tables;
        _fallback = new(fallback);
        _thresholds = new(thresholds ?? new Dictionary<string, double>());
        _snap = [.. snap];
        _joiners = [.. joiners];
        _keepTrailing = [.. keepTrailing];
    }

    static Dictionary<string, double> Numbers(JsonNode? node) =>
        node is JsonObject obj ? obj.ToDictionary(p => p.Key, p => p.Value!.GetValue<double>()) : [];

    static HashSet<string> Strings(JsonNode? node) =>
        node is JsonArray array ? [.. array.Select(s => s!.GetValue<string>())] : [];

    /// <summary>
    /// Decodes one head: <paramref name="probs"/> is <c>tokens.Count × labels.Count</c> (row-major). <paramref name="isCore"/>: the core head
    /// (BRAND/MPN/GTIN), which gets the fallback; the other head's labels are attributes.
    /// </summary>
    public void Decode(TokenizedText tokens, ReadOnlySpan<double> probs, IReadOnlyList<string> labels, bool isCore, List<DecodedSpan> into)
    {
        var n = tokens.Count;
        if (n == 0) return;
        var k = labels.Count;
        Span<int> tag = n <= 512 ? stackalloc int[n] : new int[n];
        for (var t = 0; t < n; t++)
        {
            var row = probs.Slice(t * k, k);
            var best = 0;
            for (var j = 1; j < k; j++)
            {
                if (row[j] > row[best]) best = j;
            }

            tag[t] = best;
        }

        var spans = new Dictionary<string, (int I, int J, double Score)>();
        var order = new List<string>();
        for (var t = 0; t < n;)
        {
            var label = labels[tag[t]];
            if (label == "O")
            {
                t++;
                continue;
            }

            var name = label[2..];
            var inside = "I-" + name;
            var i = t;
            t++;
            while (t < n && labels[tag[t]] == inside) t++;
            var sum = 0.0;
            for (var q = i; q < t; q++) sum += probs[q * k + tag[q]];
            var score = sum / (t - i);
            if (score < _thresholds.GetValueOrDefault(name, 0.0)) continue;
            if (!spans.TryGetValue(name, out var kept))
            {
                order.Add(name);
                spans[name] = (i, t, score);
            }
            else if (score > kept.Score)
            {
                spans[name] = (i, t, score);
            }
        }

        if (isCore)
        {
            foreach (var (name, minimum) in _fallback)
            {
                if (spans.ContainsKey(name)) continue;
                var b = IndexOf(labels, "B-" + name);
                var ii = IndexOf(labels, "I-" + name);
                if (b < 0 || ii < 0) continue;
                var start = 0;
                for (var t = 1; t < n; t++)
                {
                    if (probs[t * k + b] > probs[start * k + b]) start = t;
                }

                var sum = probs[start * k + b];
                var count = 1;
                var j = start + 1;
                for (; j < n; j++)
                {
                    var pi = probs[j * k + ii];
                    var pb = probs[j * k + b];
                    if (pi > pb && pi > 1.0 - pb - pi)
                    {
                        sum += pi;
                        count++;
                    }
                    else
                    {
                        break;
                    }
                }

                var score = sum / count;
                if (score >= minimum)
                {
                    order.Add(name);
                    spans[name] = (start, j, score);
                }
            }
        }

        foreach (var name in order)
        {
            var (i, j, score) = spans[name];
            if (_snap.Contains(name) || (!isCore && _snap.Contains(EveryAttribute)))
            {
                if (Snap(tokens, i, j) is not { } snapped) continue;
                (i, j) = snapped;
            }

            var startOffset = tokens[i].Start;
            var stop = tokens[j - 1].End;
            into.Add(new DecodedSpan(name, i, j, startOffset, stop, Slice(tokens.Text, startOffset, stop), score));
        }
    }

    static int IndexOf(IReadOnlyList<string> labels, string label)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] == label) return i;
        }

        return -1;
    }

    /// <summary>Widens <c>[i, j)</c> over joined punctuation, then trims non-word tokens from its edges; null when no word token is left.</summary>
    public (int I, int J)? Snap(TokenizedText tokens, int i, int j)
    {
        while (i > 0 && Joined(tokens, i - 1, i)) i--;
        while (j < tokens.Count && Joined(tokens, j - 1, j)) j++;
        while (i < j && !IsWord(tokens, i)) i++;
        while (j > i && !IsWord(tokens, j - 1) && !_keepTrailing.Contains(tokens.RawText(j - 1))) j--;
        for (var q = i; q < j; q++)
        {
            if (IsWord(tokens, q)) return (i, j);
        }

        return null;
    }

    bool IsWord(TokenizedText tokens, int index) => _tables.IsWord(tokens.Lower(index)[0]);

    bool Joined(TokenizedText tokens, int a, int b) =>
        tokens[a].End == tokens[b].Start && (IsJoiner(tokens, a) || IsJoiner(tokens, b));

    bool IsJoiner(TokenizedText tokens, int index) => tokens[index].Length == 1 && _joiners.Contains(tokens.RawText(index));

    /// <summary>The original text between two UTF-16 offsets, lone surrogates as U+FFFD (as the Python slice gives).</summary>
    public static string Slice(string text, int start, int stop) => Runes.Clean(text[start..stop]);
}
