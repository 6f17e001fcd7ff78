using System.Text.Json;

namespace Inference.Cli.Eval;

/// <summary>One evaluation record of <c>models/eval/folds89.jsonl</c>: the text and what is known about it.</summary>
public sealed record EvalRecord(
    string Id, string Source, string Text, string? CoarseCategory, string? Brand, string? Mpn, string? Gtin,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Attributes, int Fold)
{
    /// <summary>wdc-pave attribute names that are the core identifiers (models/training/data.py).</summary>
    public static readonly IReadOnlyDictionary<string, string> CoreOfAttribute = new Dictionary<string, string>
    {
        ["Brand"] = "BRAND", ["Manufacturer"] = "BRAND",
        ["Part Number"] = "MPN", ["Manufacturer Stock Number"] = "MPN", ["Model Number"] = "MPN",
        ["Retail UPC"] = "GTIN",
    };

    public static readonly string[] CoreLabels = ["BRAND", "MPN", "GTIN"];

    public bool IsPave => Source == "wdc-pave";

    public static IReadOnlyList<EvalRecord> Load(string path) =>
        File.ReadLines(path).Where(l => l.Trim().Length > 0).Select(Parse).ToArray();

    static EvalRecord Parse(string line)
    {
        var root = JsonDocument.Parse(line).RootElement;
        string? Str(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var attributes = new Dictionary<string, IReadOnlyList<string>>();
        if (root.TryGetProperty("attributes", out var a) && a.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in a.EnumerateObject())
                attributes[p.Name] = p.Value.ValueKind == JsonValueKind.Array ? p.Value.EnumerateArray().Select(x => x.GetString() ?? "").ToArray() : [];
        }

        return new EvalRecord(Str("id") ?? "", Str("source") ?? "", Str("text") ?? "", Str("coarse_category"), Str("brand"), Str("mpn"), Str("gtin"),
            attributes, root.TryGetProperty("fold", out var f) ? f.GetInt32() : -1);
    }

    /// <summary>{label: surface values} for BRAND/MPN/GTIN: the record's field, then the wdc-pave attributes that are that identifier.</summary>
    public IReadOnlyDictionary<string, List<string>> CoreValues()
    {
        var result = new Dictionary<string, List<string>>();
        foreach (var (label, field) in new[] { ("BRAND", Brand), ("MPN", Mpn), ("GTIN", Gtin) })
        {
            var values = new List<string>();
            if (!string.IsNullOrEmpty(field)) values.Add(field);
            foreach (var (name, core) in CoreOfAttribute)
            {
                if (core == label && Attributes.TryGetValue(name, out var vals)) values.AddRange(vals);
            }

            var seen = new List<string>();
            foreach (var v in values)
            {
                if (!string.IsNullOrEmpty(v) && !seen.Contains(v)) seen.Add(v);
            }

            if (seen.Count > 0) result[label] = seen;
        }

        return result;
    }
}
