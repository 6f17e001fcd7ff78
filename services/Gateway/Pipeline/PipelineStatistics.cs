using Inference.Contracts;
using Microsoft.Extensions.Options;

namespace Inference.Gateway.Pipeline;

/// <summary>
/// What this gateway has heard of the pipeline's events: per stage, counts and latencies over the last minute; products by
/// state since it started; the latest faults. Memory is bounded: fixed windows, at most <see cref="GatewayOptions.TrackedProducts"/>
/// products followed at once (finished ones are let go), at most <see cref="GatewayOptions.RecentFaults"/> faults kept.
/// </summary>
public sealed class PipelineStatistics
{
    /// <summary>The rows of the stage table, in pipeline order.</summary>
    public static readonly string[] Rows = ["received", "rejected", "classify", "extract", "validate", "store", "end-to-end", "faulted"];

    static readonly string[] States = ["Classifying", "Extracting", "Validating", "Storing", "Completed", "Faulted"];

    readonly TimeProvider _clock;
    readonly int _capacity;
    readonly int _faultsKept;
    readonly Dictionary<string, StageWindow> _windows = Rows.ToDictionary(r => r, _ => new StageWindow());

    readonly Lock _lock = new();
    readonly Dictionary<Guid, Track> _tracks = [];
    readonly Dictionary<string, long> _byState = States.ToDictionary(s => s, _ => 0L);
    // Products that finished lately, so a redelivered or re-posted event for them does not count them again.
    readonly HashSet<Guid> _finished = [];
    readonly Queue<Guid> _finishedOrder = new();
    readonly LinkedList<FaultSnapshot> _faults = new();
    long _untracked;

    public PipelineStatistics(IOptions<GatewayOptions> options, TimeProvider clock)
    {
        _clock = clock;
        _capacity = options.Value.TrackedProducts;
        _faultsKept = options.Value.RecentFaults;
        Since = clock.GetUtcNow();
    }

    /// <summary>When this gateway started listening: the state counts cover the time since.</summary>
    public DateTimeOffset Since { get; }

    public void Received(Guid productId, DateTime sentAt)
    {
        var now = Now;
        lock (_lock)
        {
            if (!_finished.Contains(productId) && !_tracks.ContainsKey(productId))
                Follow(productId, Stage.Classifying, sentAt, receivedAt: sentAt);
        }

        _windows["received"].Record(now);
    }

    /// <summary>A ProductTextReceived the saga's door refuses: counted, never followed.</summary>
    public void Rejected() => _windows["rejected"].Record(Now);

    public void Classified(Guid productId, DateTime sentAt) => Advance("classify", productId, sentAt, Stage.Classifying, Stage.Extracting);

    public void Extracted(Guid productId, DateTime sentAt, bool hasIdentifiers) =>
        Advance("extract", productId, sentAt, Stage.Extracting, hasIdentifiers ? Stage.Validating : Stage.Storing);

    public void Validated(Guid productId, DateTime sentAt) => Advance("validate", productId, sentAt, Stage.Validating, Stage.Storing);

    public void Stored(Guid productId, DateTime sentAt)
    {
        var endToEnd = Advance("store", productId, sentAt, Stage.Storing, Stage.Completed);
        if (endToEnd is { } latency) _windows["end-to-end"].Record(Now, latency);
    }

    public void Faulted(ProductFaulted fault, DateTime sentAt)
    {
        Advance("faulted", fault.ProductId, sentAt, from: null, Stage.Faulted);
        lock (_lock)
        {
            _faults.AddFirst(new FaultSnapshot(fault.ProductId, fault.Stage, fault.Reason, fault.FaultedAt));
            while (_faults.Count > _faultsKept) _faults.RemoveLast();
        }
    }

    public PipelineActivity Snapshot()
    {
        var now = Now;
        var span = now - Since.UtcDateTime;
        var stages = Rows.Select(r => new StageRow(r, _windows[r].Snapshot(now, span))).ToArray();
        lock (_lock)
        {
            return new PipelineActivity(
                StageWindow.Seconds,
                stages,
                new StateCounts(Since, States.Select(s => new StateCount(s, _byState[s])).ToArray(), _tracks.Count, _untracked),
                _faults.ToArray());
        }
    }

    DateTime Now => _clock.GetUtcNow().UtcDateTime;

    /// <summary>Moves a product to its next state; returns its end-to-end time when it completes and its receipt was seen.</summary>
    TimeSpan? Advance(string row, Guid productId, DateTime sentAt, Stage? from, Stage to)
    {
        TimeSpan? latency = null, endToEnd = null;
        lock (_lock)
        {
            if (_tracks.TryGetValue(productId, out var track))
            {
                // A stage's latency: from the event that started it to the one that ended it, by their sent times.
                if (track.Stage == from && sentAt >= track.LastSentAt) latency = sentAt - track.LastSentAt;
                if (to > track.Stage)
                {
                    _byState[track.Stage.ToString()]--;
                    if (IsFinal(to))
                    {
                        _tracks.Remove(productId);
                        Finish(productId, to);
                        if (to == Stage.Completed && track.ReceivedAt is { } received && sentAt >= received) endToEnd = sentAt - received;
                    }
                    else
                    {
                        _byState[to.ToString()]++;
                        track.Stage = to;
                        track.LastSentAt = sentAt;
                    }
                }
            }
            else if (!_finished.Contains(productId))
            {
                // Heard of mid-way (it started before this gateway did, or it was not followed): it counts from here on.
                if (IsFinal(to)) Finish(productId, to);
                else Follow(productId, to, sentAt, receivedAt: null);
            }
        }

        _windows[row].Record(Now, latency);
        return endToEnd;
    }

    void Follow(Guid productId, Stage stage, DateTime sentAt, DateTime? receivedAt)
    {
        if (_tracks.Count >= _capacity)
        {
            _untracked++;
            return;
        }

        _tracks[productId] = new Track { Stage = stage, LastSentAt = sentAt, ReceivedAt = receivedAt };
        _byState[stage.ToString()]++;
    }

    void Finish(Guid productId, Stage final)
    {
        _byState[final.ToString()]++;
        if (_capacity == 0 || !_finished.Add(productId)) return;
        _finishedOrder.Enqueue(productId);
        while (_finishedOrder.Count > _capacity) _finished.Remove(_finishedOrder.Dequeue());
    }

    static bool IsFinal(Stage stage) => stage is Stage.Completed or Stage.Faulted;

    /// <summary>The saga's states, in the order a product goes through them.</summary>
    enum Stage
    {
        Classifying,
        Extracting,
        Validating,
        Storing,
        Completed,
        Faulted,
    }

    sealed class Track
    {
        public Stage Stage;
        public DateTime LastSentAt;
        public DateTime? ReceivedAt;
    }
}

/// <summary>The pipeline's events as this gateway heard them.</summary>
public sealed record PipelineActivity(int WindowSeconds, IReadOnlyList<StageRow> Stages, StateCounts States, IReadOnlyList<FaultSnapshot> Faults);

/// <summary>One row of the stage table: events of that kind over the last minute.</summary>
public sealed record StageRow(string Stage, StageSnapshot LastMinute);

/// <summary>Products by saga state, as followed from the events heard since <paramref name="Since"/> (not the whole repository).</summary>
/// <param name="Followed">Products in flight being followed now.</param>
/// <param name="Untracked">Products not followed because <c>Gateway:TrackedProducts</c> were already in flight.</param>
public sealed record StateCounts(DateTimeOffset Since, IReadOnlyList<StateCount> Counts, int Followed, long Untracked)
{
    public string Note => "Products whose events this gateway heard since it started: in-flight states count products now in them, Completed and Faulted count products that reached them.";
}

public sealed record StateCount(string State, long Count);

/// <summary>One of the latest faults: which product, which stage, why.</summary>
public sealed record FaultSnapshot(Guid ProductId, string Stage, string Reason, DateTimeOffset FaultedAt);
