using Spectre.Console;

namespace Inference.Cli;

/// <summary>Counts of a run: by final state, by category, rejected lines, throughput.</summary>
public sealed class RunSummary
{
    public const int RejectionsShown = 20;

    readonly List<(int Line, string Reason)> _rejections = [];
    readonly Dictionary<string, int> _byState = [];
    readonly Dictionary<string, int> _byCategory = [];
    readonly Dictionary<string, int> _faultsByStage = [];

    public IReadOnlyList<(int Line, string Reason)> Rejections => _rejections;
    public IReadOnlyDictionary<string, int> ByState => _byState;
    public IReadOnlyDictionary<string, int> ByCategory => _byCategory;
    public TimeSpan Elapsed { get; set; }
    public int Products { get; private set; }

    public void Reject(int line, string reason) => _rejections.Add((line, reason));

    public void Count(EnrichedRecord record)
    {
        Products++;
        Increment(_byState, record.State);
        Increment(_byCategory, record.Category ?? "(none)");
        if (record.FaultStage is not null) Increment(_faultsByStage, record.FaultStage);
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
        var rate = Elapsed.TotalSeconds > 0 ? Products / Elapsed.TotalSeconds : 0;
        console.MarkupLineInterpolated($"{Products:N0} products in {Elapsed.TotalSeconds:N1} s: [bold]{rate:N0} products/s[/]; enriched records in {output}");
    }

    static void Increment(Dictionary<string, int> counts, string key) =>
        counts[key] = counts.GetValueOrDefault(key) + 1;
}
