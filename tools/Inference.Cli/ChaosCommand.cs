using System.Text;
using System.Text.Json;
using Inference.Loopback;
using Inference.Loopback.Chaos;
using Spectre.Console;

namespace Inference.Cli;

/// <summary>
/// <c>inference chaos</c>: the fault-injection run (<see cref="ChaosRun"/>): products flow while every kind of service is
/// killed and every server restarted; then every product is checked against the saga and the store. Prints one row per fault
/// and the last line <c>sent N, stored N, faulted N, lost N, duplicated N, stranded N</c>; exits 1 when anything was lost,
/// duplicated or stranded.
/// </summary>
public sealed class ChaosCommand(ChaosSettings settings, string configuration, string resultsDirectory, string commandLine, IAnsiConsole console)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public async Task<int> ExecuteAsync(CancellationToken cancellationToken)
    {
        var layout = new SolutionLayout(SolutionLayout.FindRoot(AppContext.BaseDirectory), configuration);
        console.MarkupLineInterpolated($"[bold]inference chaos[/]: {settings.Products:N0} products at {settings.Rate:N0}/s, the Orchestrator killed {settings.OrchestratorKills} times, every other service killed and every server restarted once");
        var report = await new ChaosRun(layout, settings, line => console.MarkupLineInterpolated($"[grey]{line}[/]")).RunAsync(commandLine, cancellationToken);

        var faults = new Table().AddColumns("fault", "at (s)", "products in flight", "back after (s)");
        foreach (var fault in report.Faults)
            faults.AddRow(fault.What, fault.AtSeconds.ToString("N1"), fault.InFlight?.ToString("N0") ?? "unknown", fault.BackAfterSeconds.ToString("N1"));
        console.Write(faults);
        if (report.FaultReasons.Count > 0)
            console.MarkupLineInterpolated($"faulted, by stage and reason: {string.Join("; ", report.FaultReasons.Select(r => $"{r.Key} ×{r.Value}"))}");
        if (report.Examples.Count > 0)
            console.MarkupLineInterpolated($"[red]products to look at:[/] {string.Join(", ", report.Examples)}");

        var directory = Path.Combine(Path.IsPathRooted(resultsDirectory) ? resultsDirectory : Path.Combine(layout.Root, resultsDirectory), "chaos");
        Directory.CreateDirectory(directory);
        var name = Path.Combine(directory, $"{report.StartedAt:yyyyMMdd-HHmmss}-chaos-{settings.Products}");
        await File.WriteAllTextAsync(name + ".json", JsonSerializer.Serialize(report, Json), cancellationToken);
        await File.WriteAllTextAsync(name + ".md", Markdown(report), cancellationToken);
        console.MarkupLineInterpolated($"results in {name}.json and .md");

        console.WriteLine(report.Summary);
        return report.Passed ? 0 : 1;
    }

    static string Markdown(ChaosReport r)
    {
        var md = new StringBuilder();
        md.AppendLine($"# inference chaos — {r.Settings.Products:N0} products at {r.Settings.Rate:N0}/s, models {r.Settings.Models}");
        md.AppendLine();
        md.AppendLine($"- command: `{r.Command}`");
        md.AppendLine($"- commit: `{r.Commit}`, started {r.StartedAt:u}; machine: {RunInfo.Machine()}");
        md.AppendLine($"- fed in {r.FeedSeconds:N0} s; every product Completed or Faulted {r.SettledAfterSeconds:N0} s after the last was sent (patience {r.Settings.Patience.TotalMinutes:N0} min)");
        md.AppendLine();
        md.AppendLine("| fault | at (s) | products in flight | back after (s) |");
        md.AppendLine("| --- | ---: | ---: | ---: |");
        foreach (var f in r.Faults) md.AppendLine($"| {f.What} | {f.AtSeconds:N1} | {f.InFlight?.ToString("N0") ?? "unknown"} | {f.BackAfterSeconds:N1} |");
        md.AppendLine();
        md.AppendLine($"Final states: {string.Join(", ", r.FinalStates.Select(s => $"{s.Key} {s.Value:N0}"))}.");
        if (r.FaultReasons.Count > 0)
            md.AppendLine($"Faulted, by stage and reason: {string.Join("; ", r.FaultReasons.Select(f => $"{f.Key} ×{f.Value}"))}.");
        md.AppendLine();
        md.AppendLine($"**{r.Summary}**");
        return md.ToString();
    }
}
