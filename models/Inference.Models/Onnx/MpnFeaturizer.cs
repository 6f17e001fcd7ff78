using System.Text;
using System.Text.Json.Nodes;
using Inference.Models.Onnx.Text;

namespace Inference.Models.Onnx;

/// <summary>
/// The MPN plausibility model's input for (brand, candidate, category): character 1-4-grams of the lowercased candidate, its shape and
/// counts, the category, and brand-conditioned features; hashed in order, duplicates kept.
/// </summary>
public sealed class MpnFeaturizer
{
    static readonly string[] Templates =
    [
        "g1:<gram> .. g4:<gram>", "S:<shape>", "L:<n>", "D:<n>", "A:<n>", "P:<n>", "W:<n>", "C:<category>", "CS:<category>|<shape>",
        "B:<brand>", "BS:<brand>|<shape>", "BP:<brand>|<first 2 code points of cand>", "BL:<brand>|<min(len(cand),24)>", "BIN:1 or BIN:0",
    ];

    readonly Tokenizer _tokenizer;
    readonly int _maxCandidate, _maxFeatures, _lengthCap, _digitCap, _letterCap, _punctuationCap, _tokenCap;

    public MpnFeaturizer(ModelManifest manifest, UnicodeTables tables)
    {
        FeaturizerSpec.RequireTemplates(manifest, "features", "template", Templates);
        Buckets = FeaturizerSpec.Buckets(manifest);
        _tokenizer = new Tokenizer(tables);
        var featurizer = manifest.Featurizer;
        var rules = (featurizer["features"] as JsonArray)!.ToDictionary(f => f!["template"]!.GetValue<string>(), f => f!["for"]!.GetValue<string>());
        int Cap(string template) => FeaturizerSpec.NumberIn(manifest, rules[template], @", (\d+)\)\s*$", $"the cap of {template}");
        _lengthCap = Cap("L:<n>");
        _digitCap = Cap("D:<n>");
        _letterCap = Cap("A:<n>");
        _punctuationCap = Cap("P:<n>");
        _tokenCap = Cap("W:<n>");
        _maxCandidate = FeaturizerSpec.NumberIn(manifest, manifest.Get<string>(featurizer["normalisation"], "featurizer.normalisation"),
            @"first (\d+) code points", "the candidate's length limit");
        _maxFeatures = FeaturizerSpec.NumberIn(manifest, manifest.Get<string>(featurizer["order"], "featurizer.order"),
            @"at most (\d+) feature strings", "the feature limit");
    }

    public int Buckets { get; }

    public UnicodeTables Tables => _tokenizer.Tables;

    /// <summary>The feature strings before hashing (what the test vectors list).</summary>
    public List<string> FeatureStrings(string? brand, string? candidate, string? category)
    {
        var tables = _tokenizer.Tables;
        var raw = Runes.Of(candidate ?? "");
        if (raw.Length > _maxCandidate) raw = raw[.._maxCandidate];
        var cand = raw.Select(tables.Lower).ToArray();
        var brandCps = Strip(tables, Runes.Of(brand ?? "").Select(tables.Lower).ToArray());
        var b = Runes.ToString(brandCps);
        var cat = category ?? "";
        var output = new List<string>(_maxFeatures);

        var w = new int[cand.Length + 2];
        w[0] = '<';
        cand.CopyTo(w, 1);
        w[^1] = '>';
        for (var n = 1; n <= 4; n++)
        {
            for (var j = 0; j + n <= w.Length; j++) output.Add($"g{n}:{Runes.ToString(w.AsSpan(j, n))}");
        }

        var shape = Runes.ToString(Shape.Of(tables, raw));
        var length = cand.Length;
        output.Add("S:" + shape);
        output.Add($"L:{Math.Min(length, _lengthCap)}");
        output.Add($"D:{Math.Min(cand.Count(c => c is >= '0' and <= '9'), _digitCap)}");
        output.Add($"A:{Math.Min(cand.Count(c => tables.IsWord(c) && c is not (>= '0' and <= '9')), _letterCap)}");
        output.Add($"P:{Math.Min(cand.Count(c => !tables.IsWord(c) && !tables.IsSpace(c)), _punctuationCap)}");
        output.Add($"W:{Math.Min(_tokenizer.Tokenize(Runes.ToString(raw)).Count, _tokenCap)}");
        output.Add("C:" + cat);
        output.Add("CS:" + cat + "|" + shape);
        if (b.Length > 0)
        {
            output.Add("B:" + b);
            output.Add("BS:" + b + "|" + shape);
            output.Add("BP:" + b + "|" + Runes.ToString(cand.AsSpan(0, Math.Min(2, cand.Length))));
            output.Add($"BL:{b}|{Math.Min(length, _lengthCap)}");
            var kb = WordKey(tables, brandCps);
            var kc = WordKey(tables, cand);
            output.Add(kb.Length > 0 && kc.Contains(kb, StringComparison.Ordinal) ? "BIN:1" : "BIN:0");
        }

        if (output.Count > _maxFeatures) output.RemoveRange(_maxFeatures, output.Count - _maxFeatures);
        return output;
    }

    /// <summary>The ids to feed (never empty).</summary>
    public long[] Featurize(string? brand, string? candidate, string? category)
    {
        var strings = FeatureStrings(brand, candidate, category);
        if (strings.Count == 0) return [0];
        var ids = new long[strings.Count];
        for (var i = 0; i < ids.Length; i++) ids[i] = Fnv1a.Id(strings[i], Buckets);
        return ids;
    }

    static int[] Strip(UnicodeTables tables, int[] cps)
    {
        var from = 0;
        var to = cps.Length;
        while (from < to && tables.IsSpace(cps[from])) from++;
        while (to > from && tables.IsSpace(cps[to - 1])) to--;
        return cps[from..to];
    }

    /// <summary>The word characters of the lowercased code points, in order.</summary>
    static string WordKey(UnicodeTables tables, int[] lowered)
    {
        var builder = new StringBuilder();
        foreach (var c in lowered)
        {
            var lower = tables.Lower(c); // word_key lowercases again, as Python's does
            if (tables.IsWord(lower)) builder.Append(new Rune(lower).ToString());
        }

        return builder.ToString();
    }
}
