using BenchmarkDotNet.Attributes;
using Inference.Cli.Distributed;
using Inference.Contracts;
using Inference.Data;
using Microsoft.EntityFrameworkCore;

namespace Inference.Benchmarks;

/// <summary>
/// The Store's idempotent upsert on the PostgreSQL at <c>INFERENCE_POSTGRES</c> (a database of its own): one product per round
/// trip against a batch in one statement, as the Store's batcher sends them.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessConfig))]
public class StoreUpsertBenchmarks
{
    PostgresDatabase _database = null!;
    DbContextOptions<ProductsDbContext> _options = null!;
    StoreProduct[] _products = [];

    [Params(1, 32, 128)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _database = await PostgresDatabase.CreateAsync("bench_store");
        _options = ProductsDatabase.UseProvider(new DbContextOptionsBuilder<ProductsDbContext>(),
            new StoreOptions { Provider = StoreProvider.Postgres, ConnectionString = _database.ConnectionString }).Options as DbContextOptions<ProductsDbContext>
            ?? throw new InvalidOperationException("options of the wrong type");
        await using var db = new ProductsDbContext(_options);
        await ProductsDatabase.EnsureSchemaAsync(db, CancellationToken.None);
        _products = Enumerable.Range(0, BatchSize).Select(i => Product(Guid.NewGuid(), i)).ToArray();
    }

    [GlobalCleanup]
    public async Task Cleanup() => await _database.DisposeAsync();

    [Benchmark(Description = "upsert a batch (redelivered: every row updated)")]
    public async Task<IReadOnlyDictionary<Guid, long>> Upsert()
    {
        await using var db = new ProductsDbContext(_options);
        return await new ProductUpsert(db).UpsertAsync(_products, CancellationToken.None);
    }

    static StoreProduct Product(Guid id, int i) => new(
        id, "marketplace", $"B00-{i}", $"Acme AC-{i} wireless USB keyboard, black, UK layout", "computers-accessories", 0.93,
        "Acme", $"AC-{i}", null, new Dictionary<string, string> { ["Colour"] = "black", ["Layout"] = "UK" },
        [new IdentifierVerdict("mpn", $"AC-{i}", $"AC{i}", true, "shape")],
        new Dictionary<string, string> { ["classify"] = "classifier@1.0.0" }, DateTimeOffset.UtcNow);
}
