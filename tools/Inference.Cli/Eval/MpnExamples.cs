using System.Text;
using Inference.Models.Onnx.Text;

namespace Inference.Cli.Eval;

/// <summary>A part number candidate with its truth: the record's own MPN (1), or another string of its text or a corrupted MPN (0).</summary>
public sealed record MpnExample(string Brand, string Candidate, string Category, int Label);

/// <summary>The MPN plausibility evaluation examples, made exactly as <c>models/training/mpn.py</c>'s <c>examples(records, seed)</c> makes them.</summary>
public sealed class MpnExamples(UnicodeTables tables)
{
    const string EdgePunctuation = ".,;:!?()[]{}\"'*#";
    static readonly string[] GluedWords = ["black", "pack", "new", "kit", "inch", "gb", "usb"];
    const string Pool = "abcdefghijklmnopqrstuvwxyz0123456789";

    readonly Tokenizer _tokenizer = new(tables);

    public List<MpnExample> Make(IEnumerable<EvalRecord> records, uint seed, int textNegatives = 4, int corrupted = 1)
    {
        var rng = new NumpyRandomState(seed);
        var output = new List<MpnExample>();
        foreach (var r in records)
        {
            if (string.IsNullOrEmpty(r.Mpn)) continue;
            var brand = r.Brand ?? "";
            var category = r.CoarseCategory ?? "";
            output.Add(new MpnExample(brand, r.Mpn, category, 1));
            var key = PyText.AlnumKey(r.Mpn);
            var candidates = CandidateSpans(r.Text).Where(c => PyText.AlnumKey(c) is { Length: > 0 } k && k != key).ToList();
            var hard = candidates.Where(c => c.EnumerateRunes().Any(PyText.IsDigit)).ToList();
            var easy = candidates.Where(c => !hard.Contains(c)).ToList();
            var pick = new List<string>();
            if (hard.Count > 0)
                pick.AddRange(rng.Permutation(hard.Count).Take(textNegatives / 2 + (easy.Count > 0 ? 0 : textNegatives / 2)).Select(i => hard[i]));
            if (easy.Count > 0)
                pick.AddRange(rng.Permutation(easy.Count).Take(Math.Max(0, textNegatives - pick.Count)).Select(i => easy[i]));
            output.AddRange(pick.Select(c => new MpnExample(brand, c, category, 0)));
            for (var k = 0; k < corrupted; k++) output.Add(new MpnExample(brand, Corrupt(r.Mpn, rng), category, 0));
        }

        return output;
    }

    /// <summary>Word tokens, and whitespace-delimited chunks without edge punctuation; first occurrence only.</summary>
    public List<string> CandidateSpans(string text)
    {
        var tokens = _tokenizer.Tokenize(text, 256);
        var output = new List<string>();
        for (var i = 0; i < tokens.Count; i++)
        {
            if (_tokenizer.Tables.IsWord(tokens.Lower(i)[0])) output.Add(tokens.RawText(i));
        }

        foreach (var chunk in PyText.Split(text, _tokenizer.Tables.IsSpace))
        {
            var c = PyText.Strip(chunk, EdgePunctuation);
            if (c.Length > 0) output.Add(c);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        return output.Where(seen.Add).ToList();
    }

    static string Corrupt(string mpn, NumpyRandomState rng)
    {
        var s = PyText.CodePoints(mpn).ToList();
        var kind = rng.RandInt(5);
        if (kind == 0 && s.Count > 3)
        {
            s = s.Take(Math.Max(1, s.Count / 2)).ToList();
        }
        else if (kind == 1)
        {
            rng.Shuffle(s);
        }
        else if (kind == 2)
        {
            s = s.Select(c =>
            {
                var r = Rune.GetRuneAt(c, 0);
                if (PyText.IsDigit(r)) return ((char)('a' + PyText.DigitValue(r))).ToString();
                if (PyText.IsAlpha(r)) return (Rune.ToLowerInvariant(r).Value % 10).ToString();
                return c;
            }).ToList();
        }
        else if (kind == 3)
        {
            s.AddRange(PyText.CodePoints(rng.Choice(GluedWords)));
        }
        else
        {
            // kind 4, and kind 0 on a short MPN (Python's if/elif chain falls through to its else)
            s = s.Select(c => PyText.IsAlnum(Rune.GetRuneAt(c, 0)) ? Pool[rng.RandInt(Pool.Length)].ToString() : c).ToList();
        }

        var output = string.Concat(s);
        return PyText.AlnumKey(output) != PyText.AlnumKey(mpn) ? output : output + "x";
    }
}
