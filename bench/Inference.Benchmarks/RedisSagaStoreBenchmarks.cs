using BenchmarkDotNet.Attributes;
using Inference.Contracts;
using Inference.Sagas;
using Inference.Sagas.Redis;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Inference.Benchmarks;

/// <summary>
/// One saga round trip on the Redis at <c>INFERENCE_REDIS</c> (default 127.0.0.1:6391), with a fully enriched
/// <see cref="ProductState"/>: what every event costs the Orchestrator before the state machine even runs.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessConfig))]
public class RedisSagaStoreBenchmarks
{
    readonly string _prefix = $"bench:{Guid.NewGuid():N}:";
    IConnectionMultiplexer _redis = null!;
    RedisSagaStore<ProductState> _store = null!;
    Guid _id;
    int _created;

    [GlobalSetup]
    public async Task Setup()
    {
        _redis = RedisConnection.Connect(Environment.GetEnvironmentVariable("INFERENCE_REDIS") ?? "127.0.0.1:6391", NullLogger.Instance);
        _store = new RedisSagaStore<ProductState>(_redis, new RedisSagaSettings<ProductState>(_prefix, TimeSpan.FromMinutes(10),
            saga => ProductStateRepository.FinishedStates.Contains(saga.CurrentState)));
        _id = Guid.NewGuid();
        await _store.Create(Enriched(_id));
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        var server = _redis.GetServer(_redis.GetEndPoints()[0]);
        await foreach (var key in server.KeysAsync(pattern: _prefix + "*"))
            await _redis.GetDatabase().KeyDeleteAsync(key);
        await _redis.DisposeAsync();
    }

    [Benchmark(Description = "load")]
    public Task<ProductState?> Load() => _store.Load(_id);

    [Benchmark(Description = "load + update (state changed: CAS script)")]
    public async Task LoadAndUpdate()
    {
        var saga = (await _store.Load(_id))!;
        saga.UpdatedAt = DateTimeOffset.UtcNow;
        await _store.Update(saga);
    }

    [Benchmark(Description = "load + update (unchanged duplicate: version check only)")]
    public async Task LoadAndUnchangedUpdate()
    {
        var saga = (await _store.Load(_id))!;
        await _store.Update(saga);
    }

    [Benchmark(Description = "create if absent")]
    public Task<bool> Create() => _store.TryCreate(Enriched(new Guid(++_created, 0, 0, new byte[8])));

    static ProductState Enriched(Guid id) => new()
    {
        CorrelationId = id,
        CurrentState = nameof(ProductStateMachine.Storing),
        Source = "marketplace",
        SourceId = "B00-1234",
        Text = "Acme AC-1000 wireless USB keyboard, black, UK layout, 2.4 GHz receiver, 12-month battery life",
        Category = "computers-accessories",
        Confidence = 0.93,
        TopK = [new("computers-accessories", 0.93), new("office-products", 0.05), new("generic", 0.02)],
        Extractor = "computers-accessories",
        Brand = "Acme",
        Mpn = "AC-1000",
        Gtin = "04006381333931",
        Attributes = new() { ["Colour"] = "black", ["Layout"] = "UK", ["Connectivity"] = "2.4 GHz wireless" },
        Verdicts = [new("gtin", "04006381333931", "04006381333931", true, "check digit"), new("mpn", "AC-1000", "AC1000", true, "shape")],
        Models = new() { [Stage.Classify] = "classifier@1.0.0", [Stage.Extract] = "extractor@1.0.0", [Stage.Validate] = "rules@1.0.0" },
        ReceivedAt = DateTimeOffset.UtcNow,
        ClassifiedAt = DateTimeOffset.UtcNow,
        ExtractedAt = DateTimeOffset.UtcNow,
        ValidatedAt = DateTimeOffset.UtcNow,
        UpdatedAt = DateTimeOffset.UtcNow,
    };
}
