using Inference.Contracts;
using Microsoft.Extensions.Options;

namespace Inference.Gateway.Pipeline;

/// <summary>
/// What this gateway hears of the pipeline's events, per stage and per second over the last minute: counts and latencies, and
/// the runs that ended (each run once). Every replica hears every event; the one that holds the history sampler's lease hands
/// the seconds it has not taken yet to the shared history (<see cref="Sample"/>), which is what every replica shows. Nothing
/// here knows the saga's rules: a stage's latency runs from the product's previous event to this one, and the end of a run is
/// the saga's own <see cref="ProductCompleted"/> or <see cref="ProductFaulted"/>. Memory is bounded: fixed windows, at most
/// <see cref="GatewayOptions.TrackedProducts"/> products followed (the longest followed is let go first).
/// </summary>
public sealed class PipelineStatistics
{
    /// <summary>The rows of the stage table, in pipeline order; <c>end-to-end</c> counts runs completed, <c>faulted</c> runs faulted.</summary>
    public static readonly string[] Rows = ["received", "rejected", "classify", "classify-deep", "extract", "validate", "store", "end-to-end", "faulted"];

    public const string Completions = "end-to-end";
    public const string Faults = "faulted";

    readonly TimeProvider _clock;
    readonly int _capacity;
    readonly Dictionary<string, StageWindow> _windows = Rows.ToDictionary(r => r, _ => new StageWindow());

    readonly Lock _lock = new();
    readonly Dictionary<Guid, Track> _tracks = [];
    readonly Queue<(Guid ProductId, Track Track)> _followOrder = new();
    // Each run's end counted once, however often its event is redelivered or published again.
    readonly HashSet<(Guid, long)> _completedRuns = [];
    readonly Queue<(Guid, long)> _completedOrder = new();
    readonly HashSet<(Guid, DateTimeOffset)> _faults = [];
    readonly Queue<(Guid, DateTimeOffset)> _faultOrder = new();
    long _letGo;

    public PipelineStatistics(IOptions<GatewayOptions> options, TimeProvider clock)
    {
        _clock = clock;
        _capacity = options.Value.TrackedProducts;
    }

    /// <summary>Products this gateway follows now, to time their stages.</summary>
    public int Followed
    {
        get { lock (_lock) return _tracks.Count; }
    }

    /// <summary>Products let go before their end because <c>Gateway:TrackedProducts</c> were followed already.</summary>
    public long LetGo
    {
        get { lock (_lock) return _letGo; }
    }

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
            if (!Once(_completedRuns, _completedOrder, (completed.ProductId, completed.Revision))) return;
        }

        _windows[Completions].Record(Now, endToEnd);
    }

    public void Faulted(ProductFaulted fault)
    {
        lock (_lock)
        {
            _tracks.Remove(fault.ProductId);
            if (!Once(_faults, _faultOrder, (fault.ProductId, fault.FaultedAt))) return;
        }

        _windows[Faults].Record(Now);
    }

    /// <summary>Every row's events of the whole seconds <paramref name="first"/> to <paramref name="last"/> (both included, within the last minute).</summary>
    public IReadOnlyDictionary<string, StageSample> Sample(DateTime first, DateTime last) =>
        Rows.ToDictionary(row => row, row => _windows[row].Sample(first, last));

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
