using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Encodings.Web;

namespace Inference.Cli.Eval;

/// <summary>The figures a manifest claims (Python's, <c>metrics.folds89</c>), and writing the C# figures beside them (<c>metrics.csharp</c>).</summary>
public static class ManifestFigures
{
    public const string Section = "csharp";

    /// <summary>A lookup of <c>metrics.folds89.&lt;dotted key&gt;</c> in the named model's manifest.</summary>
    public static Func<string, double?> Folds89(string modelsDirectory, string model)
    {
        var path = Path.Combine(modelsDirectory, model, "manifest.json");
        var folds89 = JsonNode.Parse(File.ReadAllText(path))?["metrics"]?["folds89"];
        return key =>
        {
            var node = folds89;
            foreach (var part in key.Split('.')) node = node?[part];
            return node is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
        };
    }

    /// <summary>Writes <c>metrics.csharp</c> into every evaluated model's manifest; nothing else in the file changes (model.onnx and its sha256 stay as they are).</summary>
    public static IReadOnlyList<string> Write(string modelsDirectory, EvalReport report)
    {
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
