using System.Net;
using System.Text.Json;
using Inference.Gateway;
using Inference.Gateway.Pipeline;
using Inference.Sagas;
using Inference.Sagas.Redis;
using Inference.Tests.Gateway.Live;
using Microsoft.Extensions.Options;

namespace Inference.Tests.Integration;

/// <summary>
/// Two Gateway replicas on the same RabbitMQ, Redis and PostgreSQL (the Orchestrator's saga in Redis) while products flow: both
/// report the same stages, runs ended, latest faults and history, because those come from the shared history one of them samples
/// into Redis and from the saga store; a gateway started afterwards finds the same history.
/// </summary>
[Category("Integration")]
public sealed class When_two_gateways_share_the_servers
{
    const int Batches = 6;
    const int PerBatch = 10;
    const string Marker = "store-refuses-this-2b9e";

    RabbitMqVirtualHost _virtualHost = null!;
    PostgresDatabase _database = null!;
    RedisKeyspace _keyspace = null!;
    InProcessPipeline _pipeline = null!;
    Dictionary<string, string?> _settings = null!;
    GatewayFactory _first = null!, _second = null!;
    HttpClient _a = null!, _b = null!;
    readonly Guid _faulted = Guid.NewGuid();
    readonly List<Guid> _posted = [];
    int _comparedWhileFlowing;

    [OneTimeSetUp]
    public async Task FlowAsync()
    {
        _virtualHost = await RabbitMqVirtualHost.CreateAsync("two-gateways");
        _database = await PostgresDatabase.CreateAsync("two_gateways");
        _keyspace = await RedisKeyspace.CreateAsync();
        var pipeline = new Dictionary<string, string?>(_virtualHost.TransportSettings())
        {
            ["Store:Provider"] = "Postgres",
            ["Store:ConnectionString"] = _database.ConnectionString,
            ["Models:Kind"] = "Baseline",
        };
        foreach (var (key, value) in _keyspace.RepositorySettings()) pipeline[key] = value;
        _pipeline = await InProcessPipeline.StartAsync(pipeline);

        _settings = GatewayFactory.Settings(_virtualHost.TransportSettings(), _database.ConnectionString);
        foreach (var (key, value) in _keyspace.RepositorySettings()) _settings[key] = value;
        (_first, _a) = await StartGatewayAsync();
        (_second, _b) = await StartGatewayAsync();

        // A product the database refuses (a check constraint, as a DBA might add): the store faults it.
        await using (var connection = new Npgsql.NpgsqlConnection(_database.ConnectionString))
        {
            await connection.OpenAsync();
            await Http.UntilAsync(async () =>
            {
                await using var exists = new Npgsql.NpgsqlCommand("SELECT to_regclass('products') IS NOT NULL", connection);
                return (bool)(await exists.ExecuteScalarAsync())!;
            }, "the store to create its table");
            await using var constraint = new Npgsql.NpgsqlCommand($"ALTER TABLE products ADD CONSTRAINT refuses_marked CHECK (text NOT LIKE '%{Marker}%')", connection);
            await constraint.ExecuteNonQueryAsync();
        }

        // Products through both replicas; meanwhile, whenever both show the same sample, they must show the same figures.
        var flow = Task.Run(async () =>
        {
            for (var b = 0; b < Batches; b++)
            {
                var batch = Enumerable.Range(0, PerBatch).Select(i => new { id = Guid.NewGuid(), source = "replicas", sourceId = $"r-{b}-{i}", text = $"Koss EQ50 3-band equalizer no. {b}-{i}" }).ToArray();
                var answer = await Http.PostAsync(b % 2 == 0 ? _a : _b, JsonSerializer.Serialize(batch));
                Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.Accepted), answer.ToString());
                lock (_posted) _posted.AddRange(batch.Select(p => p.id));
                await Task.Delay(400);
            }

            var faulty = await Http.PostAsync(_a, JsonSerializer.Serialize(new { id = _faulted, source = "replicas", text = $"Koss EQ50 {Marker}" }));
            Assert.That(faulty.Status, Is.EqualTo(HttpStatusCode.Accepted), faulty.ToString());
        });
        while (!flow.IsCompleted)
        {
            var (a, b) = await BothAsync("v1/pipeline");
            if (SampledUntil(a) is { } until && until == SampledUntil(b))
            {
                // A product may fault between the two reads: the faulted index is read live.
                if (Faults(a) == Faults(b)) Assert.That(Shared(a), Is.EqualTo(Shared(b)), $"the same sample ({until}), the same figures");
                _comparedWhileFlowing++;
            }

            await Task.Delay(150);
        }

        await flow;
        foreach (var id in _posted.Append(_faulted)) await Http.UntilFinishedAsync(_a, id);
        // The last runs' ends are sampled within a second or two.
        await Http.UntilAsync(async () => StateCount((await BothAsync("v1/pipeline")).A, "Faulted") == 1 &&
                                          StateCount((await BothAsync("v1/pipeline")).A, "Completed") == Batches * PerBatch, "the last runs to be sampled");
    }

    async Task<(GatewayFactory, HttpClient)> StartGatewayAsync()
    {
        var gateway = new GatewayFactory(_settings);
        var client = gateway.CreateClient();
        await Http.UntilReadyAsync(client);
        return (gateway, client);
    }

    async Task<(JsonElement A, JsonElement B)> BothAsync(string path)
    {
        var a = await Http.GetAsync(_a, path);
        var b = await Http.GetAsync(_b, path);
        Assert.That(a.Status, Is.EqualTo(HttpStatusCode.OK), a.ToString());
        Assert.That(b.Status, Is.EqualTo(HttpStatusCode.OK), b.ToString());
        return (a.Json, b.Json);
    }

    static string? SampledUntil(JsonElement pipeline) => pipeline.GetProperty("history").GetProperty("sampledUntil").ToString();

    /// <summary>What must be the same on every replica: stages, runs ended (not the in-flight count, read live), latest faults.</summary>
    static string Shared(JsonElement pipeline) => JsonSerializer.Serialize(new
    {
        stages = pipeline.GetProperty("stages"),
        since = pipeline.GetProperty("states").GetProperty("since"),
        ended = pipeline.GetProperty("states").GetProperty("counts").EnumerateArray().Where(c => c.GetProperty("state").GetString() != "In flight").ToArray(),
        faults = pipeline.GetProperty("faults"),
        sampledUntil = pipeline.GetProperty("history").GetProperty("sampledUntil"),
    });

    static string Faults(JsonElement pipeline) => pipeline.GetProperty("faults").ToString();

    static long StateCount(JsonElement pipeline, string state) =>
        pipeline.GetProperty("states").GetProperty("counts").EnumerateArray().Single(s => s.GetProperty("state").GetString() == state).GetProperty("count").GetInt64();

    /// <summary>Reads both until they show the same newest sample (one may have read a second before the other).</summary>
    async Task<(JsonElement A, JsonElement B)> SameSampleAsync(string path, Func<JsonElement, string?> sample)
    {
        (JsonElement A, JsonElement B) both = default;
        await Http.UntilAsync(async () =>
        {
            both = await BothAsync(path);
            return sample(both.A) is { } a && a == sample(both.B);
        }, $"both gateways to show the same newest sample of {path}");
        return both;
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _a?.Dispose();
        _b?.Dispose();
        if (_first is not null) await _first.DisposeAsync();
        if (_second is not null) await _second.DisposeAsync();
        if (_pipeline is not null) await _pipeline.DisposeAsync();
        if (_keyspace is not null) await _keyspace.DisposeAsync();
        if (_virtualHost is not null) await _virtualHost.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }

    [Test]
    public void Should_have_compared_the_replicas_while_products_flowed()
    {
        TestContext.Out.WriteLine($"compared {_comparedWhileFlowing} times while products flowed");
        Assert.That(_comparedWhileFlowing, Is.GreaterThanOrEqualTo(1), "at least one read of both showed the same sample mid-flow");
    }

    [Test]
    public async Task Should_report_the_same_figures_on_both_replicas_after_the_flow()
    {
        var (a, b) = await SameSampleAsync("v1/pipeline", SampledUntil);
        Assert.That(Shared(a), Is.EqualTo(Shared(b)));
        Assert.That(a.GetProperty("history").GetProperty("shared").GetBoolean(), Is.True);
        Assert.That(new[] { a, b }.Count(p => p.GetProperty("history").GetProperty("thisGatewaySamples").GetBoolean()), Is.EqualTo(1),
            "one gateway holds the sampler's lease");

        // Each run counted once, though both replicas heard every event.
        Assert.That(StateCount(a, "Completed"), Is.EqualTo(Batches * PerBatch));
        Assert.That(StateCount(a, "Faulted"), Is.EqualTo(1));
        var fault = a.GetProperty("faults").EnumerateArray().Single();
        Assert.That(fault.GetProperty("productId").GetGuid(), Is.EqualTo(_faulted));
        Assert.That(fault.GetProperty("stage").GetString(), Is.EqualTo("store"));
    }

    [Test]
    public async Task Should_draw_the_same_history_on_both_replicas()
    {
        static string? Newest(JsonElement history) =>
            history.GetProperty("points").EnumerateArray().LastOrDefault() is { ValueKind: JsonValueKind.Object } last ? last.GetProperty("at").GetString() : null;
        var (a, b) = await SameSampleAsync("v1/pipeline/history", Newest);
        Assert.That(a.GetProperty("points").ToString(), Is.EqualTo(b.GetProperty("points").ToString()));

        var points = a.GetProperty("points").EnumerateArray().ToArray();
        Assert.That(points.Sum(p => p.GetProperty("completed").GetInt64()), Is.EqualTo(Batches * PerBatch), "every completion in one sample");
        Assert.That(points.Sum(p => p.GetProperty("received").GetInt64()), Is.GreaterThanOrEqualTo(Batches * PerBatch + 1));
        Assert.That(points.Select(p => p.GetProperty("completedPerSecond").GetDouble()).Max(), Is.GreaterThan(0));
        Assert.That(points.Any(p => p.GetProperty("stages").GetProperty("classify").GetProperty("p95").ValueKind == JsonValueKind.Number));
        // The broker's management statistics lag a few seconds behind a new queue: wait for a sample that saw classify's consumer.
        await Http.UntilAsync(async () => (await Http.GetAsync(_a, "v1/pipeline/history")).Json.GetProperty("points").EnumerateArray()
            .Where(p => p.GetProperty("queues").ValueKind == JsonValueKind.Array)
            .SelectMany(p => p.GetProperty("queues").EnumerateArray())
            .Any(q => q.GetProperty("name").GetString() == "classify" && q.GetProperty("consumers").GetInt32() >= 1), "a sample with classify's consumer");
        Assert.That(points[^1].GetProperty("inFlight").GetInt64(), Is.Zero, "from the saga store");
        var times = points.Select(p => p.GetProperty("at").GetDateTimeOffset()).ToArray();
        Assert.That(times, Is.Ordered.And.Unique);
    }

    [Test]
    public async Task Should_keep_the_history_for_a_gateway_started_afterwards()
    {
        var before = (await Http.GetAsync(_a, "v1/pipeline/history")).Json.GetProperty("points").EnumerateArray().First().GetProperty("at").GetString();
        var (third, client) = await StartGatewayAsync();
        try
        {
            var history = (await Http.GetAsync(client, "v1/pipeline/history")).Json;
            Assert.That(history.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("at").GetString()), Does.Contain(before));
            var pipeline = (await Http.GetAsync(client, "v1/pipeline")).Json;
            Assert.That(StateCount(pipeline, "Completed"), Is.EqualTo(Batches * PerBatch));
        }
        finally
        {
            client.Dispose();
            await third.DisposeAsync();
        }
    }

    [Test]
    public async Task Should_let_one_sampler_write_at_a_time()
    {
        // The same Redis, a key prefix of its own: two would-be samplers.
        await using var keyspace = await RedisKeyspace.CreateAsync();
        var history = new RedisPipelineHistory(keyspace.Redis,
            Options.Create(new SagaRepositoryOptions { Redis = { KeyPrefix = keyspace.Prefix } }), Options.Create(new GatewayOptions()));
        var t0 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        PipelineSample Sample(int from, int to, long completed) => new(t0.AddSeconds(from), t0.AddSeconds(to),
            new Dictionary<string, StageSample> { [PipelineTally.Completions] = StageSample.Empty with { Count = completed } }, null, null, null);

        Assert.That(await history.TryLead("one", TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(await history.TryLead("two", TimeSpan.FromSeconds(5)), Is.False, "the lease is taken");
        Assert.That(await history.Append("two", Sample(0, 4, 3)), Is.False, "only the lease holder writes");
        Assert.That(await history.Append("one", Sample(0, 4, 3)), Is.True);
        Assert.That(await history.Append("one", Sample(4, 8, 5)), Is.False, "a sample overlapping the last one");
        Assert.That(await history.Append("one", Sample(5, 9, 5)), Is.True);
        Assert.That(await history.Totals(), Is.EqualTo(new HistoryTotals(t0, t0.AddSeconds(9), 8, 0)));
        Assert.That((await history.Newest(10)).Samples.Select(s => s.Completed), Is.EqualTo(new[] { 3L, 5L }), "oldest first, as written");
        Assert.That(await keyspace.Database.KeyTimeToLiveAsync($"{keyspace.Prefix}pipeline:sampler"), Is.LessThanOrEqualTo(TimeSpan.FromSeconds(5)));
    }

    [Test]
    public async Task Should_take_from_the_tallies_exactly_what_each_sample_holds()
    {
        await using var keyspace = await RedisKeyspace.CreateAsync();
        var repository = Options.Create(new SagaRepositoryOptions { Redis = { KeyPrefix = keyspace.Prefix } });
        var history = new RedisPipelineHistory(keyspace.Redis, repository, Options.Create(new GatewayOptions()));
        var tallies = new RedisPipelineTallies(keyspace.Redis, repository);
        var (one, two) = (new PipelineTally(), new PipelineTally());
        for (var i = 1; i <= 30; i++) (i % 2 == 0 ? one : two).Record(Stage.Classify, TimeSpan.FromMilliseconds(i));
        one.Record(PipelineTally.Completions, TimeSpan.FromMilliseconds(90));
        two.Record(PipelineTally.Faults);
        // Two Orchestrators add what they tallied.
        await tallies.Add(one.Take());
        await tallies.Add(two.Take());

        var read = await tallies.Pending();
        Assert.That(read[Stage.Classify].Count, Is.EqualTo(30));
        Assert.That(read[Stage.Classify].Latency()!.Mean, Is.EqualTo(15.5));
        Assert.That(read[Stage.Classify].MaxMs, Is.EqualTo(30));
        var t0 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var sample = new PipelineSample(t0, t0.AddSeconds(4), read, null, null, null);

        // Added after the read: stays for the next sample.
        one.Record(Stage.Classify, TimeSpan.FromMilliseconds(7));
        await tallies.Add(one.Take());
        Assert.That(await history.Append("nobody", sample), Is.False, "not the lease holder");
        Assert.That((await tallies.Pending())[Stage.Classify].Count, Is.EqualTo(31), "a refused sample takes nothing");

        Assert.That(await history.TryLead("one", TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(await history.Append("one", sample), Is.True);
        var left = await tallies.Pending();
        Assert.That(left.Keys, Is.EquivalentTo(new[] { Stage.Classify }));
        Assert.That(left[Stage.Classify].Count, Is.EqualTo(1));
        Assert.That(left[Stage.Classify].Latency()!.Mean, Is.EqualTo(7));
        Assert.That(left[Stage.Classify].Latency()!.P50, Is.InRange(7, 8.5), "the largest taken away, the bound of its bucket stands in");
        Assert.That(await history.Totals(), Is.EqualTo(new HistoryTotals(t0, t0.AddSeconds(4), 1, 1)));
    }
}
