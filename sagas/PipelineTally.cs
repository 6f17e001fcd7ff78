namespace Inference.Sagas;

/// <summary>
/// The pipeline's events as the saga hears them, per row of the stage table: texts admitted at the saga's door and rejected
/// there, each stage's answers (with how long the product waited on the stage), runs completed (with their time from receipt)
/// and runs faulted. The Orchestrator tallies here and adds it to the shared <see cref="IPipelineTallies"/> every second; the
/// Gateway's history sampler takes it from there. No copy of any event crosses the broker for these figures.
/// </summary>
public sealed class PipelineTally
{
    public const string Received = "received";
    public const string Rejected = "rejected";
    public const string Completions = "end-to-end";
    public const string Faults = "faulted";

    /// <summary>The rows of the stage table, in pipeline order.</summary>
    public static readonly IReadOnlyList<string> Rows = [Received, Rejected, .. Stage.All, Completions, Faults];

    readonly Dictionary<string, StageTally> _rows = Rows.ToDictionary(row => row, _ => new StageTally());

    public void Record(string row, TimeSpan? latency = null) => _rows[row].Record(latency);

    /// <summary>Every row's events since the last take; rows without any are left out.</summary>
    public IReadOnlyDictionary<string, StageSample> Take() =>
        _rows.Select(row => (row.Key, Sample: row.Value.Take())).Where(row => row.Sample.Count > 0).ToDictionary(row => row.Key, row => row.Sample);
}

/// <summary>
/// Where the tallies of every Orchestrator replica add up until the history sampler takes them: it reads what is pending, and
/// appending its sample takes exactly that much away (<c>IPipelineHistory.Append</c>), so nothing is counted twice or lost
/// however late a replica adds.
/// </summary>
public interface IPipelineTallies
{
    /// <summary>Adds one process's events.</summary>
    Task Add(IReadOnlyDictionary<string, StageSample> events);

    /// <summary>Every row's events added and not taken yet.</summary>
    Task<IReadOnlyDictionary<string, StageSample>> Pending();
}

/// <summary>In this process (the saga repository in memory: the Orchestrator and Gateway in one process, the tests).</summary>
public sealed class InMemoryPipelineTallies : IPipelineTallies
{
    readonly Lock _lock = new();
    readonly Dictionary<string, StageSample> _pending = [];

    public Task Add(IReadOnlyDictionary<string, StageSample> events)
    {
        lock (_lock)
        {
            foreach (var (row, sample) in events)
                _pending[row] = _pending.TryGetValue(row, out var pending) ? StageSample.Merge([pending, sample]) : sample;
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyDictionary<string, StageSample>> Pending()
    {
        lock (_lock) return Task.FromResult<IReadOnlyDictionary<string, StageSample>>(new Dictionary<string, StageSample>(_pending));
    }

    /// <summary>Takes <paramref name="taken"/> (read by <see cref="Pending"/> before) away; what was added since stays.</summary>
    public void Take(IReadOnlyDictionary<string, StageSample> taken)
    {
        lock (_lock)
        {
            foreach (var (row, sample) in taken)
            {
                if (!_pending.TryGetValue(row, out var pending)) continue;
                var left = pending.Minus(sample);
                if (left.Count > 0) _pending[row] = left;
                else _pending.Remove(row);
            }
        }
    }
}
