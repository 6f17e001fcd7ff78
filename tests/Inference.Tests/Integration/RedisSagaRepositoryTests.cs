using Inference.Sagas.Redis;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Tests.Integration;

/// <summary>The Redis repository inside MassTransit (in-memory transport, real Redis): contention, duplicate creates, expiry, deletion.</summary>
[Category("Integration")]
public sealed class RedisSagaRepositoryTests
{
    RedisKeyspace _keyspace = null!;
    ServiceProvider _provider = null!;
    ITestHarness _harness = null!;
    StartGate _gate = null!;
    SagaConflictCounter _conflicts = null!;

    [SetUp]
    public async Task StartBus()
    {
        _keyspace = await RedisKeyspace.CreateAsync();
        _gate = new StartGate();
        _conflicts = new SagaConflictCounter(RedisSagaSettings<CounterState>.SagaName);
        var configuration = Configuration();

        var services = new ServiceCollection();
        services.AddSingleton(_gate);
        services.AddMassTransitTestHarness(bus =>
        {
            bus.AddSagaStateMachine<CounterStateMachine, CounterState, CounterStateDefinition>()
                .ConfiguredRepository(configuration, counter => counter.CurrentState, defaultFinishedStates: CounterStateMachine.FinishedStates);
            bus.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
        });
        _provider = services.BuildServiceProvider(validateScopes: true);
        _harness = _provider.GetTestHarness();
        await _harness.Start();
    }

    [TearDown]
    public async Task StopBus()
    {
        await _provider.DisposeAsync();
        _conflicts.Dispose();
        await _keyspace.DisposeAsync();
    }

    IConfiguration Configuration() => new ConfigurationBuilder()
        .AddInMemoryCollection(_keyspace.RepositorySettings(TimeSpan.FromHours(3)))
        .AddInMemoryCollection(new Dictionary<string, string?> { ["SagaRepository:ConflictRetryLimit"] = "50" })
        .Build();

    // Another process that only reads sagas: its own container, connection and repository, nothing shared with the bus.
    async Task<CounterState?> LoadElsewhere(Guid id)
    {
        var services = new ServiceCollection();
        services.AddMassTransit(bus => bus.AddSagaRepository<CounterState>().ConfiguredRepository(Configuration(), counter => counter.CurrentState));
        await using var provider = services.BuildServiceProvider();
        return await provider.GetRequiredService<ILoadSagaRepository<CounterState>>().Load(id);
    }

    async Task<CounterState> WaitFor(Guid id, Func<CounterState, bool> condition)
    {
        var repository = _provider.GetRequiredService<ILoadSagaRepository<CounterState>>();
        var giveUpAt = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        CounterState? saga;
        while ((saga = await repository.Load(id)) is null || !condition(saga))
        {
            if (DateTime.UtcNow > giveUpAt)
                throw new AssertionException($"counter {id} never got there: {(saga is null ? "absent" : $"{saga.CurrentState}, count {saga.Count}")}");
            await Task.Delay(20);
        }

        return saga;
    }

    [Test]
    public async Task Should_apply_every_one_of_200_concurrent_events_for_one_saga()
    {
        const int events = 200;
        var id = Guid.NewGuid();
        await Task.WhenAll(Enumerable.Range(0, events).Select(_ => _harness.Bus.Publish(new IncrementCounter(id))));

        var saga = await WaitFor(id, s => s.Count >= events);
        await _harness.InactivityTask;

        saga = (await LoadElsewhere(id))!;
        Assert.That(saga.Count, Is.EqualTo(events), "no increment lost");
        Assert.That(saga.VersionsSeen, Is.EqualTo(Enumerable.Range(0, events)),
            "each event saw the state the previous one saved: versions strictly increasing, none skipped, none seen twice");
        Assert.That(saga.Version, Is.EqualTo(events));
        Assert.That(await _harness.Published.Any<Fault<IncrementCounter>>(), Is.False);
        TestContext.Out.WriteLine($"{events} concurrent events, 32 at a time, on one saga: {_conflicts.Conflicts} conflicts, each retried");
    }

    [Test]
    public async Task Should_create_once_when_two_first_events_race_and_ignore_the_second()
    {
        _gate.Expected = 2;
        var id = Guid.NewGuid();
        await Task.WhenAll(_harness.Bus.Publish(new StartCounter(id)), _harness.Bus.Publish(new StartCounter(id)));

        await WaitFor(id, s => s.CurrentState == "Counting");
        await _harness.InactivityTask;

        var saga = (await LoadElsewhere(id))!;
        Assert.That(saga.Starts, Is.EqualTo(1), "one start ran; the other found the saga on its retry and was ignored");
        Assert.That(_conflicts.Conflicts, Is.GreaterThanOrEqualTo(1), "both created, so one create conflicted");
        Assert.That(_harness.Published.Select<CounterStarted>().Count(), Is.EqualTo(1), "the losing attempt's publish never left the outbox");
        Assert.That((await _keyspace.SagaKeys()).Length, Is.EqualTo(1));
    }

    [Test]
    public async Task Should_expire_a_finished_saga_and_keep_one_in_flight()
    {
        var running = Guid.NewGuid();
        var stopped = Guid.NewGuid();
        await _harness.Bus.Publish(new IncrementCounter(running));
        await _harness.Bus.Publish(new IncrementCounter(stopped));
        await WaitFor(stopped, s => s.Count == 1);
        await _harness.Bus.Publish(new StopCounter(stopped));
        await WaitFor(stopped, s => s.CurrentState == "Stopped");
        await WaitFor(running, s => s.Count == 1);

        var store = _provider.GetRequiredService<RedisSagaStore<CounterState>>();
        Assert.That(await _keyspace.Database.KeyTimeToLiveAsync(store.KeyOf(running)), Is.Null);
        Assert.That(await _keyspace.Database.KeyTimeToLiveAsync(store.KeyOf(stopped)),
            Is.Not.Null.And.InRange(TimeSpan.FromHours(3) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(3)));
    }

    [Test]
    public async Task Should_delete_the_key_of_a_finalized_saga()
    {
        var id = Guid.NewGuid();
        await _harness.Bus.Publish(new IncrementCounter(id));
        await WaitFor(id, s => s.Count == 1);
        await _harness.Bus.Publish(new RemoveCounter(id));
        Assert.That(await _harness.Consumed.Any<RemoveCounter>(), Is.True);
        await _harness.InactivityTask;

        Assert.That(await _keyspace.Keys(), Is.Empty);
        Assert.That(await LoadElsewhere(id), Is.Null);
    }

    [Test]
    public async Task Should_load_by_id_from_another_process_and_null_for_an_unknown_id()
    {
        var id = Guid.NewGuid();
        await _harness.Bus.Publish(new IncrementCounter(id));
        await WaitFor(id, s => s.Count == 1);

        var saga = await LoadElsewhere(id);
        Assert.That(saga, Is.Not.Null);
        Assert.That(saga!.CurrentState, Is.EqualTo("Counting"));
        Assert.That(saga.Version, Is.EqualTo(1));
        Assert.That(await LoadElsewhere(Guid.NewGuid()), Is.Null);
    }
}
