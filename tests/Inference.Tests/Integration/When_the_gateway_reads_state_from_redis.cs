using Inference.Loopback;
using System.Net;
using System.Text.Json;
using Inference.Tests.Gateway.Live;
using Inference.Sagas;
using Inference.Sagas.Redis;
using StackExchange.Redis;

namespace Inference.Tests.Integration;

/// <summary>
/// The Orchestrator's saga and the Gateway in separate containers sharing nothing but the servers: a product posted over HTTP
/// runs the pipeline (RabbitMQ, PostgreSQL), its state lands in Redis, and the Gateway reads it back from there; so do a
/// second replica's Idempotency-Key answers, the faulted index a retry by filter reads, and the in-flight count.
/// </summary>
[Category("Integration")]
public sealed class When_the_gateway_reads_state_from_redis
{
    readonly Guid _product = Guid.NewGuid();
    readonly Guid _faulted = Guid.NewGuid();
    RabbitMqVirtualHost _virtualHost = null!;
    PostgresDatabase _database = null!;
    RedisKeyspace _keyspace = null!;
    InProcessPipeline _pipeline = null!;
    GatewayFactory _gateway = null!;
    HttpClient _client = null!;
    JsonElement _state;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _virtualHost = await RabbitMqVirtualHost.CreateAsync("redis-gateway");
        _database = await PostgresDatabase.CreateAsync("redis_gateway");
        _keyspace = await RedisKeyspace.CreateAsync();
        var repository = _keyspace.RepositorySettings();

        var pipeline = new Dictionary<string, string?>(_virtualHost.TransportSettings())
        {
            ["Store:Provider"] = "Postgres",
            ["Store:ConnectionString"] = _database.ConnectionString,
        };
        foreach (var (key, value) in repository) pipeline[key] = value;
        _pipeline = await InProcessPipeline.StartAsync(pipeline);

        var gateway = GatewayFactory.Settings(_virtualHost.TransportSettings(), _database.ConnectionString);
        foreach (var (key, value) in repository) gateway[key] = value;
        _gateway = new GatewayFactory(gateway);
        _client = _gateway.CreateClient();
        await Http.UntilReadyAsync(_client);

        var posted = await Http.PostAsync(_client,
            $$"""{"id":"{{_product}}","source":"acme-feed","text":"Kingston 1GB DDR2 SDRAM memory module KTC-D320/1G 4006381333931"}""");
        Assert.That(posted.Status, Is.EqualTo(HttpStatusCode.Accepted), posted.ToString());
        _state = await Http.UntilFinishedAsync(_client, _product, TimeSpan.FromMinutes(2));

        _replica = new GatewayFactory(gateway);
        _replicaClient = _replica.CreateClient();
        await Http.UntilReadyAsync(_replicaClient);

        // A product Faulted at the store, written as the Orchestrator's repository writes it (the faulted index with it).
        var store = new RedisSagaStore<ProductState>(_keyspace.Redis, new RedisSagaSettings<ProductState>(_keyspace.Prefix, TimeSpan.FromHours(1),
            saga => saga.CurrentState is "Completed" or "Faulted", saga => saga.CurrentState == "Faulted"));
        Assert.That(await store.TryCreate(new ProductState
        {
            CorrelationId = _faulted, CurrentState = "Faulted", Source = "feed", Text = "Koss EQ50", Revision = 1,
            FaultStage = "store", FaultReason = "NpgsqlException: the disk is full", FaultedAt = DateTimeOffset.UtcNow,
        }), Is.True);
    }

    GatewayFactory _replica = null!;
    HttpClient _replicaClient = null!;

    [Test]
    public async Task Should_count_the_products_waiting_on_each_stage_from_redis()
    {
        // Two products another Orchestrator left waiting on extract, one on store, as the saga scripts keep them.
        var store = new Inference.Sagas.Redis.RedisSagaStore<Inference.Sagas.ProductState>(_keyspace.Redis,
            new Inference.Sagas.Redis.RedisSagaSettings<Inference.Sagas.ProductState>(_keyspace.Prefix, TimeSpan.FromDays(7), _ => false)
            {
                StateOf = saga => saga.CurrentState,
                CountedStates = ["Classifying", "DeepClassifying", "Extracting", "Validating", "Storing"],
            });
        async Task<Dictionary<string, long>> WaitingAsync()
        {
            using var response = await _client.GetAsync("/v1/pipeline/waiting");
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.That(body.GetProperty("available").GetBoolean(), Is.True);
            return body.GetProperty("stages").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        }

        // The products the other tests posted run on this pipeline too: once they have all finished, none waits anywhere.
        await Http.UntilAsync(async () => (await WaitingAsync()).Values.All(count => count == 0), "the other tests' products to finish");
        foreach (var state in new[] { "Extracting", "Extracting", "Storing" })
            await store.Create(new Inference.Sagas.ProductState { CorrelationId = Guid.NewGuid(), CurrentState = state });

        var stages = await WaitingAsync();
        Assert.That(stages, Is.EqualTo(new Dictionary<string, long>
        {
            ["classify"] = 0, ["classify-deep"] = 0, ["extract"] = 2, ["validate"] = 0, ["store"] = 1,
        }), "the finished product of the set-up waits nowhere");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _client?.Dispose();
        _replicaClient?.Dispose();
        if (_gateway is not null) await _gateway.DisposeAsync();
        if (_replica is not null) await _replica.DisposeAsync();
        if (_pipeline is not null) await _pipeline.DisposeAsync();
        if (_keyspace is not null) await _keyspace.DisposeAsync();
        if (_virtualHost is not null) await _virtualHost.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }

    [Test]
    public void Should_show_the_completed_state_it_read_from_redis()
    {
        Assert.That(_state.GetProperty("state").GetString(), Is.EqualTo("Completed"), _state.ToString());
        Assert.That(_state.GetProperty("category").GetString(), Is.Not.Empty);
    }

    [Test]
    public async Task Should_have_kept_the_state_in_redis_with_an_expiry()
    {
        RedisKey key = $"{_keyspace.Prefix}product-state:{_product:D}";
        Assert.That((string?)await _keyspace.Database.HashGetAsync(key, "d"), Does.Contain("\"CurrentState\":\"Completed\""));
        Assert.That(await _keyspace.Database.KeyTimeToLiveAsync(key), Is.Not.Null);
    }

    [Test]
    public async Task Should_answer_not_found_for_a_product_redis_does_not_hold() =>
        Assert.That((await Http.GetAsync(_client, $"v1/products/{Guid.NewGuid()}")).Status, Is.EqualTo(HttpStatusCode.NotFound));

    [Test]
    public async Task Should_answer_a_repeated_post_with_the_same_products_on_every_replica()
    {
        var headers = new Dictionary<string, string> { ["Idempotency-Key"] = $"k-{Guid.NewGuid():N}" };
        const string Body = """{"source":"idem-redis","text":"Koss EQ50 3-band equalizer"}""";
        var first = await Http.PostAsync(_client, Body, headers: headers);
        var again = await Http.PostAsync(_replicaClient, Body, headers: headers);
        Assert.That(first.Status, Is.EqualTo(HttpStatusCode.Accepted), first.ToString());
        Assert.That(again.Json.GetProperty("id").GetGuid(), Is.EqualTo(first.Json.GetProperty("id").GetGuid()));
        RedisKey key = $"{_keyspace.Prefix}idempotency:{Inference.Gateway.Products.IIdempotencyKeys.Scope(GatewayFactory.Key, headers["Idempotency-Key"])}";
        Assert.That(await _keyspace.Database.KeyTimeToLiveAsync(key), Is.Not.Null.And.LessThanOrEqualTo(TimeSpan.FromHours(24)), "kept for the window");
    }

    [Test]
    public async Task Should_find_the_faulted_product_in_redis_for_a_retry_by_filter()
    {
        var answer = await Http.PostAsync(_replicaClient, """{"stage":"store","reason":"disk is full","dryRun":true}""", path: "v1/products/retry");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.Accepted), answer.ToString());
        Assert.That(answer.Json.GetProperty("products").EnumerateArray().Select(p => p.GetProperty("id").GetGuid()), Is.EqualTo(new[] { _faulted }));
    }

    [Test]
    public async Task Should_count_the_products_in_flight_from_redis()
    {
        var pipeline = (await Http.GetAsync(_client, "v1/pipeline")).Json;
        var inFlight = pipeline.GetProperty("states").GetProperty("counts").EnumerateArray().Single(c => c.GetProperty("state").GetString() == "In flight");
        Assert.That(inFlight.GetProperty("count").GetInt64(), Is.GreaterThanOrEqualTo(0));
        Assert.That(pipeline.GetProperty("backPressure").GetProperty("inFlight").GetProperty("measured").GetInt64(), Is.GreaterThanOrEqualTo(0));
    }
}
