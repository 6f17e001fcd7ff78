using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Inference.Cli;

/// <summary>Counts of a run: by final state, by category, rejected lines, throughput; and what the run exits with.</summary>
public sealed class RunSummary
{
    public const int RejectionsShown = 20;

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    readonly List<(int Line, string Reason)> _rejections = [];
    readonly Dictionary<string, int> _byState = [];
    readonly Dictionary<string, int> _byCategory = [];
    readonly Dictionary<string, int> _faultsByStage = [];

    public IReadOnlyList<(int Line, string Reason)> Rejections => _rejections;
    public IReadOnlyDictionary<string, int> ByState => _byState;
    public IReadOnlyDictionary<string, int> ByCategory => _byCategory;
    public TimeSpan Elapsed { get; set; }
    public int Products { get; private set; }

    /// <summary>Products that did not complete (Faulted, or never finished within the idle timeout).</summary>
    public int NotCompleted => Products - _byState.GetValueOrDefault("Completed");

    public int ExitCode => NotCompleted > 0 ? RunExitCodes.ProductsFaulted : _rejections.Count > 0 ? RunExitCodes.LinesRejected : RunExitCodes.Completed;

    public void Reject(int line, string reason) => _rejections.Add((line, reason));

    public void Count(EnrichedRecord record)
    {
        Products++;
        Increment(_byState, record.State);
        Increment(_byCategory, record.Category ?? "(none)");
        if (record.FaultStage is not null) Increment(_faultsByStage, record.FaultStage);
    }

    /// <summary>The first <see cref="RejectionsShown"/> rejected lines, then how many more, on the error console.</summary>
    public void PrintRejections(IAnsiConsole errors)
    {
        foreach (var (line, reason) in _rejections.Take(RejectionsShown))
            errors.MarkupLineInterpolated($"[yellow]line {line}:[/] {reason}; skipped");
        if (_rejections.Count > RejectionsShown)
            errors.MarkupLineInterpolated($"[yellow]and {_rejections.Count - RejectionsShown:N0} more rejected line(s)[/]");
    }

    public void Print(IAnsiConsole console, string output)
    {
        var states = new Table().Title("products by final state").AddColumns("state", "products");
        foreach (var (state, n) in _byState.OrderByDescending(s => s.Value)) states.AddRow(state, n.ToString("N0"));
        states.AddRow("rejected (skipped lines)", _rejections.Count.ToString("N0"));
        console.Write(states);

        var categories = new Table().Title("products by category").AddColumns("category", "products");
        foreach (var (category, n) in _byCategory.OrderByDescending(c => c.Value)) categories.AddRow(category, n.ToString("N0"));
        console.Write(categories);

        if (_faultsByStage.Count > 0)
            console.MarkupLineInterpolated($"faults by stage: {string.Join(", ", _faultsByStage.Select(f => $"{f.Key} {f.Value}"))}");
        console.MarkupLineInterpolated($"{Products:N0} products in {Elapsed.TotalSeconds:N1} s: [bold]{Rate:N0} products/s[/]; enriched records in {output}");
    }

    /// <summary>The summary as one JSON document, for scripts.</summary>
    public string ToJson(string output, string database) => JsonSerializer.Serialize(new JsonSummary(
        Products, Math.Round(Elapsed.TotalSeconds, 3), Math.Round(Rate, 1), _byState, _byCategory, _faultsByStage, _rejections.Count,
        _rejections.Take(RejectionsShown).Select(r => new JsonRejection(r.Line, r.Reason)).ToArray(),
        Math.Max(0, _rejections.Count - RejectionsShown), output, database, ExitCode), Json);

    double Rate => Elapsed.TotalSeconds > 0 ? Products / Elapsed.TotalSeconds : 0;

    static void Increment(Dictionary<string, int> counts, string key) =>
        counts[key] = counts.GetValueOrDefault(key) + 1;

    sealed record JsonSummary(
        int Products, double ElapsedSeconds, double ProductsPerSecond, IReadOnlyDictionary<string, int> ByState, IReadOnlyDictionary<string, int> ByCategory,
        IReadOnlyDictionary<string, int> FaultsByStage, int Rejected, IReadOnlyList<JsonRejection> Rejections,
        [property: JsonPropertyName("moreRejections")] int MoreRejections, string Output, string Database, int ExitCode);

    sealed record JsonRejection(int Line, string Reason);
}
