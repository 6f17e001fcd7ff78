using Inference.Contracts;
using Microsoft.Extensions.Options;

namespace Inference.Gateway.Pipeline;

/// <summary>
/// What this gateway has heard of the pipeline's events: per stage, counts and latencies over the last minute; the runs that
/// completed and the faults since it started; the latest faults. Nothing here knows the saga's rules: a stage's latency runs
/// from the product's previous event to this one, and the end of a run is the saga's own <see cref="ProductCompleted"/> or
/// <see cref="ProductFaulted"/> (what is in flight comes from the saga repository, not from here). Memory is bounded: fixed
/// windows, at most <see cref="GatewayOptions.TrackedProducts"/> products followed (the longest followed is let go first),
/// at most <see cref="GatewayOptions.RecentFaults"/> faults kept.
/// </summary>
public sealed class PipelineStatistics
{
    /// <summary>The rows of the stage table, in pipeline order.</summary>
    public static readonly string[] Rows = ["received", "rejected", "classify", "classify-deep", "extract", "validate", "store", "end-to-end", "faulted"];

    readonly TimeProvider _clock;
    readonly int _capacity;
    readonly int _faultsKept;
    readonly Dictionary<string, StageWindow> _windows = Rows.ToDictionary(r => r, _ => new StageWindow());

    readonly Lock _lock = new();
    readonly Dictionary<Guid, Track> _tracks = [];
    readonly Queue<(Guid ProductId, Track Track)> _followOrder = new();
    // Each run's end counted once, however often its event is redelivered or published again.
    readonly HashSet<(Guid, long)> _completedRuns = [];
    readonly Queue<(Guid, long)> _completedOrder = new();
    readonly HashSet<(Guid, DateTimeOffset)> _faults = [];
    readonly Queue<(Guid, DateTimeOffset)> _faultOrder = new();
    readonly LinkedList<FaultSnapshot> _recentFaults = new();
    long _completed, _faulted, _letGo;

    public PipelineStatistics(IOptions<GatewayOptions> options, TimeProvider clock)
    {
        _clock = clock;
        _capacity = options.Value.TrackedProducts;
        _faultsKept = options.Value.RecentFaults;
        Since = clock.GetUtcNow();
    }

    /// <summary>When this gateway started listening: the counts cover the time since.</summary>
    public DateTimeOffset Since { get; }

    public void Received(Guid productId, DateTime sentAt)
    {
        lock (_lock)
        {
            if (!_tracks.ContainsKey(productId)) Follow(productId, sentAt, receivedAt: sentAt);
        }

        _windows["received"].Record(Now);
    }

    /// <summary>A ProductTextReceived the saga's door refuses: counted, never followed.</summary>
    public void Rejected() => _windows["rejected"].Record(Now);

    /// <summary>A stage answered (<paramref name="stage"/>: classify, classify-deep, extract, validate, store).</summary>
    public void Answered(string stage, Guid productId, DateTime sentAt) => _windows[stage].Record(Now, Step(productId, sentAt));

    public void Completed(ProductCompleted completed, DateTime sentAt)
    {
        TimeSpan? endToEnd = null;
        lock (_lock)
        {
            if (_tracks.Remove(completed.ProductId, out var track) && track.ReceivedAt is { } received && sentAt >= received)
                endToEnd = sentAt - received;
            if (Once(_completedRuns, _completedOrder, (completed.ProductId, completed.Revision))) _completed++;
        }

        _windows["end-to-end"].Record(Now, endToEnd);
    }

    public void Faulted(ProductFaulted fault, DateTime sentAt)
    {
        lock (_lock)
        {
            _tracks.Remove(fault.ProductId);
            if (Once(_faults, _faultOrder, (fault.ProductId, fault.FaultedAt)))
            {
                _faulted++;
                _recentFaults.AddFirst(new FaultSnapshot(fault.ProductId, fault.Stage, fault.Reason, fault.FaultedAt));
                while (_recentFaults.Count > _faultsKept) _recentFaults.RemoveLast();
            }
        }

        _windows["faulted"].Record(Now);
    }

    /// <param name="inFlight">Products in flight now, as the saga repository counts them; null when it cannot be asked.</param>
    public PipelineActivity Snapshot(long? inFlight)
    {
        var now = Now;
        var span = now - Since.UtcDateTime;
        var stages = Rows.Select(r => new StageRow(r, _windows[r].Snapshot(now, span))).ToArray();
        lock (_lock)
        {
            return new PipelineActivity(
                StageWindow.Seconds,
                stages,
                new StateCounts(Since, [new StateCount("In flight", inFlight), new StateCount("Completed", _completed), new StateCount("Faulted", _faulted)],
                    _tracks.Count, _letGo),
                _recentFaults.ToArray());
        }
    }

    DateTime Now => _clock.GetUtcNow().UtcDateTime;

    /// <summary>The time since the product's previous event (the start of the stage that just answered); null when not heard.</summary>
    TimeSpan? Step(Guid productId, DateTime sentAt)
    {
        lock (_lock)
        {
            if (!_tracks.TryGetValue(productId, out var track))
            {
                // Heard of mid-way (it started before this gateway did, or it was let go): followed from here on.
                Follow(productId, sentAt, receivedAt: null);
                return null;
            }

            // A late duplicate says nothing about how long a stage took.
            if (sentAt < track.LastSentAt) return null;
            var latency = sentAt - track.LastSentAt;
            track.LastSentAt = sentAt;
            return latency;
        }
    }

    void Follow(Guid productId, DateTime sentAt, DateTime? receivedAt)
    {
        if (_capacity == 0) return;
        while (_tracks.Count >= _capacity && _followOrder.TryDequeue(out var oldest))
        {
            // Let go the longest followed (one the saga ignored, a duplicate of a finished product, never ends here).
            if (_tracks.TryGetValue(oldest.ProductId, out var track) && ReferenceEquals(track, oldest.Track) && _tracks.Remove(oldest.ProductId))
                _letGo++;
        }

        var followed = new Track { LastSentAt = sentAt, ReceivedAt = receivedAt };
        _tracks[productId] = followed;
        _followOrder.Enqueue((productId, followed));
        // Entries of products that ended stay in the queue until their turn: keep it within twice the capacity.
        while (_followOrder.Count > 2 * _capacity && _followOrder.TryPeek(out var head) && !(_tracks.TryGetValue(head.ProductId, out var t) && ReferenceEquals(t, head.Track)))
            _followOrder.Dequeue();
    }

    bool Once<T>(HashSet<T> seen, Queue<T> order, T key)
    {
        if (!seen.Add(key)) return false;
        order.Enqueue(key);
        while (order.Count > Math.Max(_capacity, 1)) seen.Remove(order.Dequeue());
        return true;
    }

    sealed class Track
    {
        public DateTime LastSentAt;
        public DateTime? ReceivedAt;
    }
}

/// <summary>The pipeline's events as this gateway heard them.</summary>
public sealed record PipelineActivity(int WindowSeconds, IReadOnlyList<StageRow> Stages, StateCounts States, IReadOnlyList<FaultSnapshot> Faults);

/// <summary>One row of the stage table: events of that kind over the last minute.</summary>
public sealed record StageRow(string Stage, StageSnapshot LastMinute);

/// <summary>Products in flight now (the saga repository's count, the same for every gateway), runs completed and faults since <paramref name="Since"/>.</summary>
/// <param name="Followed">Products this gateway follows now, to time their stages.</param>
/// <param name="LetGo">Products let go before their end because <c>Gateway:TrackedProducts</c> were followed already.</param>
public sealed record StateCounts(DateTimeOffset Since, IReadOnlyList<StateCount> Counts, int Followed, long LetGo)
{
    public string Note => "In flight: products now in a stage, in the whole pipeline. Completed and Faulted: runs that ended so since this gateway " +
                          "started listening (a product retried after a fault counts in both; each revision is a run).";
}

/// <summary>A count; null when it cannot be known now.</summary>
public sealed record StateCount(string State, long? Count);

/// <summary>One of the latest faults: which product, which stage, why.</summary>
public sealed record FaultSnapshot(Guid ProductId, string Stage, string Reason, DateTimeOffset FaultedAt);
