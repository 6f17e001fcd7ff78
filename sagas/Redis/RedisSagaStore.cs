using System.Diagnostics;
using System.Runtime.CompilerServices;
using MassTransit;
using StackExchange.Redis;

namespace Inference.Sagas.Redis;

/// <summary>
/// Saga instances in Redis, one hash per saga: load by id, create only if absent, update and delete only if unchanged since loaded.
/// No lock is taken: a write that lost the race throws <see cref="RedisSagaConcurrencyException"/> and the message is retried.
/// </summary>
public sealed class RedisSagaStore<TSaga>(IConnectionMultiplexer redis, RedisSagaSettings<TSaga> settings)
    where TSaga : class, ISagaVersion
{
    static readonly RedisValue[] Fields = ["v", "d"];
    static readonly KeyValuePair<string, object?> SagaTag = new("saga", RedisSagaSettings<TSaga>.SagaName);

    // The JSON each instance had when loaded or last written, to tell an untouched saga from a changed one. Weak, so an
    // instance the caller drops takes its entry with it.
    readonly ConditionalWeakTable<TSaga, byte[]> _stored = new();

    public RedisSagaSettings<TSaga> Settings => settings;

    public RedisKey KeyOf(Guid correlationId) => settings.KeyOf(correlationId);

    /// <summary>The saga as stored, with <see cref="ISagaVersion.Version"/> set from Redis; null when there is none.</summary>
    public async Task<TSaga?> Load(Guid correlationId)
    {
        var started = Stopwatch.GetTimestamp();
        var values = await Database.HashGetAsync(KeyOf(correlationId), Fields).ConfigureAwait(false);
        RedisSagaMetrics.RecordOperation("load", started);
        if (values[1].IsNull) return null;

        byte[] json = values[1]!;
        var saga = RedisSagaSerializer<TSaga>.Deserialize(json);
        saga.Version = (int)values[0];
        _stored.AddOrUpdate(saga, json);
        return saga;
    }

    /// <summary>Stores a new saga at version 1 unless one with its id exists; false (and nothing written) when it does.</summary>
    public async Task<bool> TryCreate(TSaga saga)
    {
        var json = RedisSagaSerializer<TSaga>.Serialize(saga);
        var started = Stopwatch.GetTimestamp();
        var created = (long)await Database.ScriptEvaluateAsync(RedisSagaScripts.Create,
            Keys(saga.CorrelationId),
            [json, ExpiryMilliseconds(saga), IndexScore(saga), Member(saga.CorrelationId), FaultedScore(saga), settings.StateSlot(saga)]).ConfigureAwait(false);
        RedisSagaMetrics.RecordOperation("create", started);
        if (created == 0)
        {
            RedisSagaMetrics.Conflicts.Add(1, SagaTag, new("operation", "create"));
            return false;
        }

        saga.Version = 1;
        _stored.AddOrUpdate(saga, json);
        return true;
    }

    /// <summary>Creates the saga or throws <see cref="RedisSagaConcurrencyException"/> when another message created it first.</summary>
    public async Task Create(TSaga saga)
    {
        if (!await TryCreate(saga).ConfigureAwait(false))
            throw new RedisSagaConcurrencyException("created meanwhile by another message", typeof(TSaga), saga.CorrelationId);
    }

    /// <summary>
    /// Writes the saga and increments its version if Redis still holds the version it was loaded at; otherwise throws
    /// <see cref="RedisSagaConcurrencyException"/>. A saga left as loaded is only checked, not written, so a duplicate
    /// message neither bumps the version nor makes a concurrent message conflict.
    /// </summary>
    public async Task Update(TSaga saga)
    {
        var json = RedisSagaSerializer<TSaga>.Serialize(saga);
        var key = KeyOf(saga.CorrelationId);
        long outcome;
        var started = Stopwatch.GetTimestamp();
        if (_stored.TryGetValue(saga, out var before) && before.AsSpan().SequenceEqual(json))
        {
            var current = await Database.HashGetAsync(key, Fields[0]).ConfigureAwait(false);
            outcome = current.IsNull ? -1 : (long)current == saga.Version ? 0 : (long)current;
            if (outcome == 0)
            {
                RedisSagaMetrics.UnchangedSkips.Add(1, SagaTag);
                return;
            }
        }
        else
        {
            outcome = (long)await Database.ScriptEvaluateAsync(RedisSagaScripts.Update,
                Keys(saga.CorrelationId),
                [json, ExpiryMilliseconds(saga), IndexScore(saga), Member(saga.CorrelationId), saga.Version, FaultedScore(saga), settings.StateSlot(saga)]).ConfigureAwait(false);
        }

        RedisSagaMetrics.RecordOperation("update", started);

        ThrowIfConflict(outcome, saga, "update");
        saga.Version++;
        _stored.AddOrUpdate(saga, json);
    }

    /// <summary>Removes the saga if Redis still holds the version it was loaded at; otherwise throws <see cref="RedisSagaConcurrencyException"/>.</summary>
    public async Task Delete(TSaga saga)
    {
        var started = Stopwatch.GetTimestamp();
        var outcome = (long)await Database.ScriptEvaluateAsync(RedisSagaScripts.Delete,
            Keys(saga.CorrelationId), [saga.Version, Member(saga.CorrelationId)]).ConfigureAwait(false);
        RedisSagaMetrics.RecordOperation("delete", started);
        ThrowIfConflict(outcome, saga, "delete");
        _stored.Remove(saga);
    }

    /// <summary>Sagas in flight whose last write is older than <paramref name="before"/>, oldest first.</summary>
    public async Task<IReadOnlyList<(Guid CorrelationId, DateTimeOffset LastWrite)>> InFlightSince(DateTimeOffset before, int take)
    {
        var entries = await Database.SortedSetRangeByScoreWithScoresAsync(
            settings.InFlightKey, double.NegativeInfinity, before.ToUnixTimeMilliseconds(), take: take).ConfigureAwait(false);
        return entries
            .Select(e => (Guid.TryParse((string?)e.Element, out var id) ? id : Guid.Empty, DateTimeOffset.FromUnixTimeMilliseconds((long)e.Score)))
            .Where(e => e.Item1 != Guid.Empty)
            .ToArray();
    }

    /// <summary>How many sagas are in each of <see cref="RedisSagaSettings{TSaga}.CountedStates"/> now: one SCARD each, in one round trip.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountByState()
    {
        var batch = Database.CreateBatch();
        var counts = settings.CountedStates.Select(state => (state, count: batch.SetLengthAsync(settings.InStateKey(state)))).ToArray();
        batch.Execute();
        await Task.WhenAll(counts.Select(c => c.count)).ConfigureAwait(false);
        return counts.ToDictionary(c => c.state, c => c.count.Result);
    }

    /// <summary>How many sagas are in flight now (the in-flight index's size).</summary>
    public Task<long> InFlightCount() => Database.SortedSetLengthAsync(settings.InFlightKey);

    /// <summary>Sagas that ended in failure between <paramref name="from"/> and <paramref name="to"/> (by that write's time), oldest first.</summary>
    public async Task<IReadOnlyList<(Guid CorrelationId, DateTimeOffset FaultedAt)>> FaultedBetween(DateTimeOffset from, DateTimeOffset to, int take)
    {
        var entries = await Database.SortedSetRangeByScoreWithScoresAsync(
            settings.FaultedKey, from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), take: take).ConfigureAwait(false);
        return entries
            .Select(e => (Guid.TryParse((string?)e.Element, out var id) ? id : Guid.Empty, DateTimeOffset.FromUnixTimeMilliseconds((long)e.Score)))
            .Where(e => e.Item1 != Guid.Empty)
            .ToArray();
    }

    /// <summary>The sagas that ended in failure last (by that write's time), newest first.</summary>
    public async Task<IReadOnlyList<Guid>> FaultedLatest(int take)
    {
        if (take <= 0) return [];
        var entries = await Database.SortedSetRangeByRankAsync(settings.FaultedKey, 0, take - 1, Order.Descending).ConfigureAwait(false);
        return entries.Select(e => Guid.TryParse((string?)e, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).ToArray();
    }

    /// <summary>
    /// Moves a saga's entry in the in-flight index to <paramref name="lookAgainAt"/> (after the monitor looked at it), or drops it
    /// when it is no longer in flight. Only an entry still there is moved: one the saga's own finishing write removed stays out.
    /// </summary>
    public Task MarkInFlight(Guid correlationId, DateTimeOffset? lookAgainAt) => lookAgainAt is { } at
        ? Database.SortedSetAddAsync(settings.InFlightKey, Member(correlationId), at.ToUnixTimeMilliseconds(), SortedSetWhen.Exists)
        : Database.SortedSetRemoveAsync(settings.InFlightKey, Member(correlationId));

    // In flight: scored with the time of this write, what the monitor's wait counts from; finished: out of the index.
    RedisValue IndexScore(TSaga saga) =>
        settings.IsFinished(saga) ? RedisValue.EmptyString : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    RedisKey[] Keys(Guid correlationId) =>
        [KeyOf(correlationId), settings.InFlightKey, settings.FaultedKey, .. settings.CountedStates.Select(state => (RedisKey)settings.InStateKey(state))];

    // Faulted: in the faulted index, scored with the time of this write; otherwise out of it.
    RedisValue FaultedScore(TSaga saga) =>
        settings.IsFaulted?.Invoke(saga) == true ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() : RedisValue.EmptyString;

    static RedisValue Member(Guid correlationId) => correlationId.ToString("D");

    // GetDatabase is a cheap wrapper over the shared multiplexer; taking it per call keeps no state here.
    IDatabase Database => redis.GetDatabase();

    // Zero means no expiry: the scripts then make the key persistent, so a saga can never expire while in flight.
    long ExpiryMilliseconds(TSaga saga) => settings.IsFinished(saga) ? (long)settings.FinishedExpiry.TotalMilliseconds : 0;

    static void ThrowIfConflict(long outcome, TSaga saga, string operation)
    {
        if (outcome == 0) return;

        RedisSagaMetrics.Conflicts.Add(1, SagaTag, new("operation", operation));
        var found = outcome < 0 ? "it is gone (finalized or expired)" : $"it is at version {outcome}";
        throw new RedisSagaConcurrencyException(
            $"{operation} refused: loaded at version {saga.Version}, but {found}", typeof(TSaga), saga.CorrelationId);
    }
}
