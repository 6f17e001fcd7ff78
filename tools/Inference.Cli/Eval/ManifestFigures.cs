using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Encodings.Web;

namespace Inference.Cli.Eval;

/// <summary>The figures a manifest claims (Python's, <c>metrics.folds89</c>), and writing the C# figures beside them (<c>metrics.csharp</c>).</summary>
public static class ManifestFigures
{
    public const string Section = "csharp";

    /// <summary>A lookup of <c>metrics.folds89.&lt;dotted key&gt;</c> in the named model's manifest: Python's figure of the model and its decoder alone.</summary>
    public static Func<string, double?> Folds89(string modelsDirectory, string model) => Lookup(modelsDirectory, model, "folds89");

    /// <summary>
    /// What the manifest claims the shipped model does in C#: <c>metrics.csharp.&lt;dotted key&gt;</c> (measured by <c>inference eval --write</c>,
    /// extraction rules included), or Python's <c>metrics.folds89</c> figure where there is none.
    /// </summary>
    public static Func<string, double?> Claimed(string modelsDirectory, string model)
    {
        var csharp = Lookup(modelsDirectory, model, Section);
        var python = Folds89(modelsDirectory, model);
        return key => csharp(key) ?? python(key);
    }

    static Func<string, double?> Lookup(string modelsDirectory, string model, string section)
    {
        var path = Path.Combine(modelsDirectory, model, "manifest.json");
        var figures = JsonNode.Parse(File.ReadAllText(path))?["metrics"]?[section];
        return key =>
        {
            var node = figures;
            foreach (var part in key.Split('.')) node = node?[part];
            return node is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
        };
    }

    /// <summary>Writes <c>metrics.csharp</c> into every evaluated model's manifest; nothing else in the file changes (model.onnx and its sha256 stay as they are).</summary>
    public static IReadOnlyList<string> Write(string modelsDirectory, EvalReport report)
    {
        if (report.Rules != Inference.Models.Onnx.ExtractionRule.All)
            throw new InvalidOperationException($"the manifests claim what the shipped configuration does (every extraction rule); this run had {report.Rules}");
        var written = new List<string>();
        foreach (var (model, figures) in report.ByModel)
        {
            var path = Path.Combine(modelsDirectory, model, "manifest.json");
            var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            var metrics = json["metrics"] as JsonObject ?? throw new InvalidOperationException($"{path} has no metrics");
            var section = JsonSerializer.SerializeToNode(new SortedDictionary<string, object?>(figures))!.AsObject();
            section["records"] = Path.GetFileName(report.RecordsPath);
            section["measured_by"] = "inference eval (C#, ONNX Runtime)";
            if (model == report.Rows[0].Model)
            {
                section["cpu_us_per_product_classify_extract_batch32"] = Math.Round(report.ModelTiming.CpuMicrosecondsPerProduct, 1);
                section["baseline_cpu_us_per_product_classify_extract_batch32"] = Math.Round(report.BaselineTiming.CpuMicrosecondsPerProduct, 1);
                section["cpu_us_per_product_classify_extract_batch32_wdc_records"] = Math.Round(report.LongTextTiming.CpuMicrosecondsPerProduct, 1);
            }

            if (figures.ContainsKey("deep_share") && report.DeepTiming is { } deep)
                section["cpu_us_per_product_deep_path_batch32"] = Math.Round(deep.CpuMicrosecondsPerProduct, 1);

            metrics[Section] = section;
            File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions
            {
                WriteIndented = true, IndentSize = 1, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            }) + "\n");
            written.Add(path);
        }

        return written;
    }
}
