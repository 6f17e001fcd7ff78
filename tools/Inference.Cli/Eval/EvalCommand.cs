using Inference.Loopback;
using Inference.Models.Onnx;
using Inference.Sagas;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace Inference.Cli.Eval;

/// <summary><c>inference eval</c>: every shipped model against its baseline on the held-out records, in one table; <c>--write</c> puts the figures into the manifests.</summary>
public sealed class EvalCommand(string? models, string? records, bool write, IAnsiConsole console, string? rules = null, string? dump = null,
    double mpnMinimumScore = 0)
{
    public int Execute()
    {
        var root = TryRoot();
        var modelsDirectory = Path.GetFullPath(models ?? (root is null ? Path.Combine(AppContext.BaseDirectory, "models") : Path.Combine(root, "models", "artifacts")));
        var recordsPath = Path.GetFullPath(records ?? Path.Combine(root ?? ".", "models", "eval", "folds89.jsonl"));
        if (!File.Exists(recordsPath))
        {
            console.MarkupLineInterpolated($"[red]error:[/] evaluation records '{recordsPath}' not found (--records)");
            return 2;
        }

        var enabled = ExtractionRule.All;
        if (rules is not null && !Enum.TryParse(rules, ignoreCase: true, out enabled))
        {
            console.MarkupLineInterpolated($"[red]error:[/] --rules '{rules}': use All, None or rule names joined by commas ({string.Join(", ", Enum.GetNames<ExtractionRule>())})");
            return 2;
        }

        if (write && mpnMinimumScore > 0)
        {
            console.MarkupLine("[red]error:[/] --write records what the shipped configuration does: every MPN kept (leave --mpn-min-score out)");
            return 2;
        }

        if (write && enabled != ExtractionRule.All)
        {
            console.MarkupLine("[red]error:[/] --write records what the shipped configuration does: every extraction rule (leave --rules out)");
            return 2;
        }

        if (!console.Profile.Out.IsTerminal) console.Profile.Width = Math.Max(console.Profile.Width, 160); // a log or a pipe: keep rows on one line
        console.MarkupLineInterpolated($"models: {modelsDirectory}");
        console.MarkupLineInterpolated($"records: {recordsPath}");
        console.MarkupLineInterpolated($"extraction rules: {enabled}; MPN minimum score: {mpnMinimumScore}");
        var report = new ModelEvaluation(modelsDirectory, recordsPath, enabled, dump is null ? null : Path.GetFullPath(dump), ShippedRouting(), mpnMinimumScore)
            .Run(step => console.MarkupLineInterpolated($"[grey]evaluating {step}…[/]"));
        Print(report, console);
        if (write)
        {
            foreach (var path in ManifestFigures.Write(modelsDirectory, report)) console.MarkupLineInterpolated($"wrote metrics.{ManifestFigures.Section} into {path}");
        }

        return 0;
    }

    public static void Print(EvalReport report, IAnsiConsole console)
    {
        var table = new Table().Title($"{Path.GetFileName(report.RecordsPath)}: {report.Records} records").AddColumns("model", "metric", "n", "model (C#)", "baseline (C#)", "manifest (C#)", "Python", "target");
        foreach (var row in report.Rows)
        {
            var value = Figure(row.Value);
            if (row.BehindBaseline is true) value += " [yellow](behind baseline)[/]";
            else if (row.IsHeadline && row.AheadOfBaseline is false) value += " [yellow](not ahead)[/]";
            var target = row.Target is null ? "" : $"{row.Target:0.00} {(row.MeetsTarget == true ? "[green]met[/]" : "[red]not met[/]")}";
            table.AddRow(Markup.Escape(row.Model), Markup.Escape(row.Metric), row.N.ToString("N0"), value, Figure(row.Baseline), Figure(row.Claimed), Figure(row.Python), target);
        }

        console.Write(table);
        var pipeline = new Table().Title("the models as deployed: classified, routed (confidence gate, fallback), extracted; every record")
            .AddColumns("", "metric", "n", "models (C#)", "baselines (C#)", "target");
        foreach (var row in report.Pipeline)
        {
            var target = row.Target is null ? "" : $"{row.Target:0.00} {(row.MeetsTarget == true ? "[green]met[/]" : "[red]not met[/]")}";
            pipeline.AddRow(Markup.Escape(row.Model), Markup.Escape(row.Metric), row.N.ToString("N0"), Figure(row.Value), Figure(row.Baseline), target);
        }

        console.Write(pipeline);
        var (hits, n) = report.PooledGtin;
        if (n > 0) console.MarkupLineInterpolated($"GTIN found, pooled over the extractors: {hits}/{n} = {(double)hits / n:0.0000}");
        console.MarkupLineInterpolated($"classify + extract, batch {report.ModelTiming.BatchSize}, one thread: models {report.ModelTiming.CpuMicrosecondsPerProduct:0} µs CPU per product ({report.ModelTiming.WallMicrosecondsPerProduct:0} µs wall), baselines {report.BaselineTiming.CpuMicrosecondsPerProduct:0} µs; target ≤ 1000 µs: {(report.ModelTiming.CpuMicrosecondsPerProduct <= 1000 ? "met" : "not met")}");
        console.MarkupLineInterpolated($"the {report.LongTextTiming.Products} WDC records alone (title + description): models {report.LongTextTiming.CpuMicrosecondsPerProduct:0} µs CPU per product");
        if (report.DeepTiming is { } deep)
            console.MarkupLineInterpolated($"the deep classifier alone on the {deep.Products} products on the deep path, batch {deep.BatchSize}, one thread: {deep.CpuMicrosecondsPerProduct:0} µs CPU per product ({deep.WallMicrosecondsPerProduct:0} µs wall); target ≤ 3000 µs: {(deep.CpuMicrosecondsPerProduct <= 3000 ? "met" : "not met")}");
        if (report.HeldOut is { Count: > 0 } heldOut)
        {
            var held = new Table().Title("data unlike the training data: models trained without a source or a category (models/training/train_deep.py, in the deep model's manifest)")
                .AddColumns("model", "metric", "n", "cascade", "fast alone", "target");
            foreach (var row in heldOut)
            {
                var target = row.Key == "across_sources"
                    ? $"≥ {row.Claimed:0.0000} (its folds 8+9 − {ModelEvaluation.SourceGapTarget:0.00}) {(row.Value >= row.Claimed ? "[green]met[/]" : "[red]not met[/]")}"
                    : row.Target is null ? "" : $"{row.Target:0.00} {(row.MeetsTarget == true ? "[green]met[/]" : "[red]not met[/]")}";
                held.AddRow(Markup.Escape(row.Model), Markup.Escape(row.Metric), row.N.ToString("N0"), Figure(row.Value), Figure(row.Baseline), target);
            }

            console.Write(held);
        }
    }

    /// <summary>The routing table the embedded run ships with (<c>embedded.json</c>, the same as the Orchestrator's), when it is beside the program.</summary>
    static RoutingOptions? ShippedRouting()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "embedded.json");
        if (!File.Exists(path)) return null;
        return new ConfigurationBuilder().AddJsonFile(path).Build().GetSection(RoutingOptions.Section).Get<RoutingOptions>();
    }

    static string Figure(double? value) => value is null ? "–" : value.Value.ToString("0.0000");

    static string? TryRoot()
    {
        try
        {
            return SolutionLayout.FindRoot(Directory.GetCurrentDirectory());
        }
        catch (DirectoryNotFoundException)
        {
            try
            {
                return SolutionLayout.FindRoot(AppContext.BaseDirectory);
            }
            catch (DirectoryNotFoundException)
            {
                return null;
            }
        }
    }
}
