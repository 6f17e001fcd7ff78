using System.Collections.Concurrent;
using System.Diagnostics;
using Inference.Sagas.Redis;
using StackExchange.Redis;

namespace Inference.Tests.Integration;

/// <summary>The store's own guarantees on the real Redis, without MassTransit: create if absent, compare-and-swap, expiry, delete.</summary>
[Category("Integration")]
public sealed class RedisSagaStoreTests
{
    static readonly TimeSpan FinishedExpiry = TimeSpan.FromHours(2);

    readonly List<IConnectionMultiplexer> _connections = [];
    RedisKeyspace _keyspace = null!;
    RedisSagaStore<CounterState> _store = null!;
    RedisSagaStore<CounterState> _other = null!;

    [SetUp]
    public async Task CreateStores()
    {
        _keyspace = await RedisKeyspace.CreateAsync();
        _store = NewStore();
        _other = NewStore();
    }

    [TearDown]
    public async Task DeleteKeys()
    {
        foreach (var connection in _connections) await connection.DisposeAsync();
        _connections.Clear();
        await _keyspace.DisposeAsync();
    }

    // A store on a connection of its own, as another process (or another pod) would have; it counts the sagas in each unfinished state.
    RedisSagaStore<CounterState> NewStore()
    {
        var connection = RedisConnection.Connect(LoopbackServers.Current.Redis, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        _connections.Add(connection);
        return new RedisSagaStore<CounterState>(connection,
            new RedisSagaSettings<CounterState>(_keyspace.Prefix, FinishedExpiry, saga => saga.CurrentState == "Stopped")
            {
                StateOf = saga => saga.CurrentState,
                CountedStates = ["Counting", "Paused"],
            });
    }

    [Test]
    public async Task Should_count_the_sagas_in_each_state_as_they_move()
    {
        var (a, b, c) = (Counter(Guid.NewGuid()), Counter(Guid.NewGuid()), Counter(Guid.NewGuid(), "Paused"));
        foreach (var saga in new[] { a, b, c }) await _store.Create(saga);
        Assert.That(await _other.CountByState(), Is.EqualTo(new Dictionary<string, long> { ["Counting"] = 2, ["Paused"] = 1 }));

        a.CurrentState = "Paused";
        await _store.Update(a);
        b.CurrentState = "Stopped"; // finished: counted nowhere
        await _store.Update(b);
        Assert.That(await _other.CountByState(), Is.EqualTo(new Dictionary<string, long> { ["Counting"] = 0, ["Paused"] = 2 }));

        await _store.Delete(c);
        var stale = await _other.Load(a.CorrelationId);
        a.Count++;
        await _store.Update(a);
        stale!.CurrentState = "Counting";
        Assert.ThrowsAsync<RedisSagaConcurrencyException>(() => _other.Update(stale), "a write that lost the race moves no count");
        Assert.That(await _other.CountByState(), Is.EqualTo(new Dictionary<string, long> { ["Counting"] = 0, ["Paused"] = 1 }));
    }

    static CounterState Counter(Guid id, string state = "Counting") => new() { CorrelationId = id, CurrentState = state };

    [Test]
    public async Task Should_load_what_was_created_and_null_for_an_unknown_id()
    {
        var id = Guid.NewGuid();
        Assert.That(await _store.TryCreate(Counter(id)), Is.True);

        var loaded = await _other.Load(id);
        Assert.That(loaded, Is.Not.Null);
        Assert.That(loaded!.CorrelationId, Is.EqualTo(id));
        Assert.That(loaded.CurrentState, Is.EqualTo("Counting"));
        Assert.That(loaded.Version, Is.EqualTo(1));
        Assert.That(await _store.Load(Guid.NewGuid()), Is.Null);
    }

    [Test]
    public async Task Should_keep_the_key_under_the_prefix_and_the_saga_name()
    {
        var id = Guid.NewGuid();
        await _store.Create(Counter(id));
        Assert.That(await _keyspace.SagaKeys(), Is.EqualTo(new RedisKey[] { $"{_keyspace.Prefix}counter-state:{id:D}" }));
        Assert.That(await _keyspace.Database.SortedSetScoreAsync($"{_keyspace.Prefix}counter-state:in-flight", id.ToString("D")), Is.Not.Null,
            "a saga in flight is in the index the stage-timeout monitor reads");
        var json = (string?)await _keyspace.Database.HashGetAsync(_store.KeyOf(id), "d");
        Assert.That(json, Does.Not.Contain("\"Version\":").And.Not.Contain(" ").And.Contain("\"CurrentState\":\"Counting\""), "compact, and no version: Redis keeps it beside the JSON");
    }

    [Test]
    public async Task Should_create_only_one_of_two_concurrent_creates()
    {
        const int rounds = 50;
        var winners = 0;
        for (var round = 0; round < rounds; round++)
        {
            var id = Guid.NewGuid();
            var first = Counter(id);
            first.Count = 1;
            var second = Counter(id);
            second.Count = 2;
            var created = await Task.WhenAll(Task.Run(() => _store.TryCreate(first)), Task.Run(() => _other.TryCreate(second)));
            Assert.That(created.Count(c => c), Is.EqualTo(1), $"round {round}: exactly one create wins");
            winners += created[0] ? 1 : 0;

            var stored = await _store.Load(id);
            Assert.That(stored!.Count, Is.EqualTo(created[0] ? 1 : 2), "the winner's state, not the loser's, is stored");
        }

        TestContext.Out.WriteLine($"{rounds} races, the first store won {winners}");
    }

    [Test]
    public async Task Should_refuse_an_update_from_a_stale_load()
    {
        var id = Guid.NewGuid();
        await _store.Create(Counter(id));
        var mine = (await _store.Load(id))!;
        var theirs = (await _other.Load(id))!;

        mine.Count = 1;
        await _store.Update(mine);
        Assert.That(mine.Version, Is.EqualTo(2));

        theirs.Count = 10;
        var conflict = Assert.ThrowsAsync<RedisSagaConcurrencyException>(() => _other.Update(theirs));
        Assert.That(conflict!.Message, Does.Contain("loaded at version 1").And.Contain("version 2"));
        Assert.That((await _store.Load(id))!.Count, Is.EqualTo(1), "the stale write changed nothing");
    }

    [Test]
    public async Task Should_not_write_an_unchanged_saga_but_still_check_its_version()
    {
        var id = Guid.NewGuid();
        await _store.Create(Counter(id));
        var untouched = (await _store.Load(id))!;
        await _store.Update(untouched);
        Assert.That((await _store.Load(id))!.Version, Is.EqualTo(1), "nothing changed, so nothing was written");

        var changed = (await _other.Load(id))!;
        changed.Count = 5;
        await _other.Update(changed);
        Assert.ThrowsAsync<RedisSagaConcurrencyException>(() => _store.Update(untouched),
            "a message that changed nothing still decided on a state that is gone");
    }

    [Test]
    public async Task Should_apply_every_one_of_many_concurrent_increments()
    {
        const int writers = 200;
        var id = Guid.NewGuid();
        await _store.Create(Counter(id));
        var stores = Enumerable.Range(0, 4).Select(_ => NewStore()).ToArray();
        var committedAt = new ConcurrentBag<int>();
        var conflicts = 0;

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(i => Task.Run(async () =>
        {
            var store = stores[i % stores.Length];
            while (true)
            {
                var saga = (await store.Load(id))!;
                saga.VersionsSeen.Add(saga.Version);
                saga.Count++;
                try
                {
                    await store.Update(saga);
                    committedAt.Add(saga.Version);
                    return;
                }
                catch (RedisSagaConcurrencyException)
                {
                    Interlocked.Increment(ref conflicts);
                }
            }
        })));
        clock.Stop();

        var final = (await _store.Load(id))!;
        Assert.That(final.Count, Is.EqualTo(writers), "no increment lost");
        Assert.That(final.Version, Is.EqualTo(writers + 1));
        Assert.That(final.VersionsSeen, Is.EqualTo(Enumerable.Range(1, writers)), "each write saw the one before it: strictly increasing, no gap");
        Assert.That(committedAt.Order(), Is.EqualTo(Enumerable.Range(2, writers)));
        TestContext.Out.WriteLine($"{writers} concurrent increments on one saga: {conflicts} conflicts retried, {clock.Elapsed.TotalMilliseconds:0} ms");
    }

    [Test]
    public async Task Should_expire_a_finished_saga_and_never_one_in_flight()
    {
        var id = Guid.NewGuid();
        await _store.Create(Counter(id));
        Assert.That(await _keyspace.Database.KeyTimeToLiveAsync(_store.KeyOf(id)), Is.Null, "in flight: no expiry");

        var saga = (await _store.Load(id))!;
        saga.CurrentState = "Stopped";
        await _store.Update(saga);
        var ttl = await _keyspace.Database.KeyTimeToLiveAsync(_store.KeyOf(id));
        Assert.That(ttl, Is.Not.Null.And.InRange(FinishedExpiry - TimeSpan.FromMinutes(1), FinishedExpiry));

        // Were a finished saga to be taken up again, it must not vanish mid-flight.
        saga.CurrentState = "Counting";
        await _store.Update(saga);
        Assert.That(await _keyspace.Database.KeyTimeToLiveAsync(_store.KeyOf(id)), Is.Null);
    }

    [Test]
    public async Task Should_create_a_saga_finished_from_the_start_with_an_expiry()
    {
        var id = Guid.NewGuid();
        await _store.Create(Counter(id, "Stopped"));
        Assert.That(await _keyspace.Database.KeyTimeToLiveAsync(_store.KeyOf(id)), Is.Not.Null);
    }

    [Test]
    public async Task Should_delete_only_the_version_it_loaded()
    {
        var id = Guid.NewGuid();
        await _store.Create(Counter(id));
        var stale = (await _store.Load(id))!;
        var current = (await _other.Load(id))!;
        current.Count = 1;
        await _other.Update(current);

        Assert.ThrowsAsync<RedisSagaConcurrencyException>(() => _store.Delete(stale));
        Assert.That(await _keyspace.Database.KeyExistsAsync(_store.KeyOf(id)), Is.True);

        var fresh = (await _store.Load(id))!;
        await _store.Delete(fresh);
        Assert.That(await _keyspace.Database.KeyExistsAsync(_store.KeyOf(id)), Is.False);
        Assert.That(await _store.Load(id), Is.Null);
    }

    [Test]
    public async Task Should_refuse_to_update_a_saga_deleted_meanwhile()
    {
        var id = Guid.NewGuid();
        await _store.Create(Counter(id));
        var loaded = (await _store.Load(id))!;
        await _other.Delete((await _other.Load(id))!);

        loaded.Count = 1;
        var conflict = Assert.ThrowsAsync<RedisSagaConcurrencyException>(() => _store.Update(loaded));
        Assert.That(conflict!.Message, Does.Contain("gone"));
        Assert.That(await _keyspace.Database.KeyExistsAsync(_store.KeyOf(id)), Is.False, "an update never resurrects a deleted saga");
    }
}
