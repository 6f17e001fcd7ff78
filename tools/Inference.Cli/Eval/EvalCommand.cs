using Inference.Cli.Distributed;
using Spectre.Console;

namespace Inference.Cli.Eval;

/// <summary><c>inference eval</c>: every shipped model against its baseline on the held-out records, in one table; <c>--write</c> puts the figures into the manifests.</summary>
public sealed class EvalCommand(string? models, string? records, bool write, IAnsiConsole console)
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

        if (!console.Profile.Out.IsTerminal) console.Profile.Width = Math.Max(console.Profile.Width, 160); // a log or a pipe: keep rows on one line
        console.MarkupLineInterpolated($"models: {modelsDirectory}");
        console.MarkupLineInterpolated($"records: {recordsPath}");
        var report = new ModelEvaluation(modelsDirectory, recordsPath).Run(step => console.MarkupLineInterpolated($"[grey]evaluating {step}…[/]"));
        Print(report, console);
        if (write)
        {
            foreach (var path in ManifestFigures.Write(modelsDirectory, report)) console.MarkupLineInterpolated($"wrote metrics.{ManifestFigures.Section} into {path}");
        }

        return 0;
    }

    public static void Print(EvalReport report, IAnsiConsole console)
    {
        var table = new Table().Title($"folds 8+9: {report.Records} records").AddColumns("model", "metric", "n", "model (C#)", "baseline (C#)", "manifest (Python)", "target");
        foreach (var row in report.Rows)
        {
            var value = Figure(row.Value);
            if (row.BehindBaseline is true) value += " [yellow](behind baseline)[/]";
            else if (row.IsHeadline && row.AheadOfBaseline is false) value += " [yellow](not ahead)[/]";
            var target = row.Target is null ? "" : $"{row.Target:0.00} {(row.MeetsTarget == true ? "[green]met[/]" : "[red]not met[/]")}";
            table.AddRow(Markup.Escape(row.Model), Markup.Escape(row.Metric), row.N.ToString("N0"), value, Figure(row.Baseline), Figure(row.Claimed), target);
        }

        console.Write(table);
        console.MarkupLineInterpolated($"classify + extract, batch {report.ModelTiming.BatchSize}, one thread: models {report.ModelTiming.CpuMicrosecondsPerProduct:0} µs CPU per product ({report.ModelTiming.WallMicrosecondsPerProduct:0} µs wall), baselines {report.BaselineTiming.CpuMicrosecondsPerProduct:0} µs; target ≤ 1000 µs: {(report.ModelTiming.CpuMicrosecondsPerProduct <= 1000 ? "met" : "not met")}");
        console.MarkupLineInterpolated($"the {report.LongTextTiming.Products} WDC records alone (title + description): models {report.LongTextTiming.CpuMicrosecondsPerProduct:0} µs CPU per product");
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
