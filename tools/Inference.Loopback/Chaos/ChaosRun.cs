using System.Diagnostics;
using Inference.Contracts;
using Inference.Sagas;
using Inference.Sagas.Redis;
using MassTransit;
using Npgsql;

namespace Inference.Loopback.Chaos;

/// <summary>
/// The fault-injection run: every service its own supervised process on the loopback servers (a virtual host, database and key
/// prefix of the run's own), products published at a steady rate, and meanwhile, spread over the feed, each kind of service
/// killed with SIGKILL (the supervisor starts it again) and Redis, PostgreSQL and RabbitMQ each stopped and started. Then it
/// waits until every product is Completed or Faulted, and checks every product id against the saga and the store.
/// </summary>
public sealed class ChaosRun(SolutionLayout layout, ChaosSettings settings, Action<string> log)
{
    static readonly string[] States = ["Completed", "Faulted"];

    public async Task<ChaosReport> RunAsync(string command, CancellationToken cancellationToken)
    {
        await InfraScripts.RunAsync(layout, "start.sh");
        var servers = LoopbackServers.Current;
        await using var vhost = await RabbitMqVirtualHost.CreateAsync("chaos", servers);
        await using var database = await PostgresDatabase.CreateAsync("chaos", servers);
        var prefix = $"chaos:{Guid.NewGuid():N}:";
        var environment = servers.ServiceSettings(vhost.Name, prefix, database.ConnectionString);
        environment["Models__Kind"] = settings.Models;

        var products = DevProducts.Read(settings.Input, settings.Products, $"#chaos-{DateTime.UtcNow:yyyyMMddHHmmss}")
            .Select(p => new ProductTextReceived(ProductIds.For(p.Source, p.Id), p.Source, p.Id, p.Text, default))
            .ToArray();
        log($"starting every service as its own process ({layout.Configuration} build, models {settings.Models}); logs in {settings.LogDirectory}");
        await using var pipeline = await DistributedPipeline.StartAsync(layout, environment, layout.DeployedExtractors(), settings.LogDirectory, TimeSpan.FromSeconds(120));
        var upstream = vhost.CreateUpstreamBus();
        await upstream.StartAsync(cancellationToken);
        var startedAt = DateTimeOffset.UtcNow;
        try
        {
            var clock = Stopwatch.StartNew();
            var sent = 0;
            var plan = Plan(pipeline);
            log($"sending {products.Length:N0} products at {settings.Rate:N0}/s; {plan.Count} faults spread over the feed");
            var feed = FeedAsync(upstream, products, () => Interlocked.Increment(ref sent), clock, cancellationToken);
            using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(StackExchange.Redis.ConfigurationOptions.Parse(servers.Redis));
            var inFlightKey = new RedisSagaSettings<ProductState>(prefix, TimeSpan.Zero, _ => false).InFlightKey;
            var faults = InjectAsync(plan, clock, () => InFlightAsync(redis, inFlightKey), cancellationToken);
            await Task.WhenAll(feed, faults);
            var feedSeconds = clock.Elapsed.TotalSeconds;
            log($"all {sent:N0} products sent in {feedSeconds:N0} s; waiting up to {settings.Patience.TotalMinutes:N0} min for every one to be Completed or Faulted");

            await using var sagas = new ProductStates(servers.Redis, prefix);
            var states = await SettleAsync(sagas, products.Select(p => p.ProductId).ToArray(), cancellationToken);
            var settledAfter = clock.Elapsed.TotalSeconds - feedSeconds;
            var rows = await RowsAsync(database.ConnectionString);
            return Judge(command, startedAt, products, sent, states, rows, feedSeconds, settledAfter, await faults);
        }
        finally
        {
            await upstream.StopAsync(CancellationToken.None);
            await RunInfo.DeleteRedisKeysAsync(servers.Redis, prefix);
        }
    }

    /// <summary>The faults, in the order they happen: the Orchestrator killed first, last and in between, every other part once.</summary>
    List<(string Kind, string What, Func<Task> Act)> Plan(DistributedPipeline pipeline)
    {
        var extractor = pipeline.Services.First(s => s.Name.StartsWith("extractor-", StringComparison.Ordinal));
        List<(string Kind, string What, Func<Task> Act)> others =
        [
            ("classifier", "kill classifier", () => KillAsync(pipeline["classifier"])),
            ("classifier-deep", "kill classifier-deep", () => KillAsync(pipeline["classifier-deep"])),
            ("redis", "restart Redis", () => RestartAsync("redis")),
            ("extractor", $"kill {extractor.Name}", () => KillAsync(extractor)),
            ("validator", "kill validator", () => KillAsync(pipeline["validator"])),
            ("postgres", "restart PostgreSQL", () => RestartAsync("postgres")),
            ("store", "kill store", () => KillAsync(pipeline["store"])),
            ("rabbitmq", "restart RabbitMQ", () => RestartAsync("rabbitmq")),
        ];
        var kills = Math.Max(1, settings.OrchestratorKills);
        var plan = new List<(string Kind, string What, Func<Task> Act)>();
        for (var i = 0; i < kills; i++)
        {
            plan.Add(("orchestrator", "kill orchestrator", () => KillAsync(pipeline["orchestrator"])));
            var share = others.Count * (i + 1) / kills - others.Count * i / kills;
            plan.AddRange(others.Skip(others.Count * i / kills).Take(share));
        }

        return plan.Where(f => settings.Only is null || settings.Only.Contains(f.Kind, StringComparer.OrdinalIgnoreCase))
            .ToList();
    }

    async Task<IReadOnlyList<InjectedFault>> InjectAsync(
        List<(string Kind, string What, Func<Task> Act)> plan, Stopwatch clock, Func<Task<long?>> inFlightNow, CancellationToken cancellationToken)
    {
        var feedTime = TimeSpan.FromSeconds(settings.Products / settings.Rate);
        var spacing = feedTime / (plan.Count + 1);
        var done = new List<InjectedFault>();
        for (var i = 0; i < plan.Count; i++)
        {
            var due = spacing * (i + 1) - clock.Elapsed;
            if (due > TimeSpan.Zero) await Task.Delay(due, cancellationToken);
            var (kind, what, act) = plan[i];
            var inFlight = await inFlightNow();
            var at = clock.Elapsed;
            log($"{at.TotalSeconds,6:N1} s  {what} ({inFlight?.ToString("N0") ?? "unknown"} products in flight)");
            await act();
            var back = clock.Elapsed - at;
            log($"{clock.Elapsed.TotalSeconds,6:N1} s  back after {back.TotalSeconds:N1} s");
            done.Add(new InjectedFault(kind, what, Math.Round(at.TotalSeconds, 1), inFlight, Math.Round(back.TotalSeconds, 1)));
        }

        return done;
    }

    static async Task KillAsync(ServiceProcess service)
    {
        var restarts = service.Restarts;
        service.Kill();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (service.Restarts == restarts && DateTime.UtcNow < deadline) await Task.Delay(100);
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
    }

    async Task RestartAsync(string server)
    {
        await InfraScripts.RunAsync(layout, "stop.sh", server);
        await InfraScripts.RunAsync(layout, "start.sh", server);
    }

    /// <summary>Publishes at the run's rate; each product until the broker confirms it (a broker restart holds the feed, never drops a product).</summary>
    async Task FeedAsync(IBus bus, ProductTextReceived[] products, Action confirmed, Stopwatch clock, CancellationToken cancellationToken)
    {
        using var inFlight = new SemaphoreSlim(64);
        var tasks = new List<Task>(products.Length);
        for (var i = 0; i < products.Length; i++)
        {
            // The clock is read once: read twice, a preempted thread could hand Task.Delay a negative wait.
            var wait = TimeSpan.FromSeconds(i / settings.Rate) - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
            await inFlight.WaitAsync(cancellationToken);
            var product = products[i] with { ReceivedAt = DateTimeOffset.UtcNow };
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    await PublishUntilConfirmedAsync(bus, product, cancellationToken);
                    confirmed();
                }
                finally
                {
                    inFlight.Release();
                }
            }, cancellationToken));
        }

        await Task.WhenAll(tasks);
    }

    static async Task PublishUntilConfirmedAsync(IBus bus, ProductTextReceived product, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await bus.Publish(product, cancellationToken).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Unconfirmed: maybe published, maybe not. Sent again under the same id, a duplicate is one the saga ignores.
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    /// <summary>Reads every product's saga until all are Completed or Faulted, or the patience runs out; returns each one's state.</summary>
    async Task<Dictionary<Guid, ProductState?>> SettleAsync(ProductStates sagas, Guid[] ids, CancellationToken cancellationToken)
    {
        var states = new Dictionary<Guid, ProductState?>();
        var pending = ids.ToList();
        var deadline = DateTime.UtcNow + settings.Patience;
        var lastSaid = DateTime.UtcNow;
        while (true)
        {
            var still = new List<Guid>();
            foreach (var chunk in pending.Chunk(256))
            {
                var loaded = await Task.WhenAll(chunk.Select(id => sagas.Load(id)));
                for (var i = 0; i < chunk.Length; i++)
                {
                    states[chunk[i]] = loaded[i];
                    if (loaded[i] is not { } saga || !States.Contains(saga.CurrentState)) still.Add(chunk[i]);
                }
            }

            pending = still;
            if (pending.Count == 0 || DateTime.UtcNow > deadline) return states;
            if (DateTime.UtcNow - lastSaid > TimeSpan.FromSeconds(30))
            {
                log($"{pending.Count:N0} products not yet Completed or Faulted");
                lastSaid = DateTime.UtcNow;
            }

            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }
    }

    ChaosReport Judge(
        string command, DateTimeOffset startedAt, ProductTextReceived[] products, int sent, Dictionary<Guid, ProductState?> states,
        Dictionary<Guid, (long Revision, int Count)> rows, double feedSeconds, double settledAfter, IReadOnlyList<InjectedFault> faults)
    {
        int stored = 0, faulted = 0, lost = 0, duplicated = 0, stranded = 0;
        var finalStates = new Dictionary<string, int>();
        var reasons = new Dictionary<string, int>();
        var examples = new List<Guid>();
        foreach (var product in products)
        {
            var saga = states.GetValueOrDefault(product.ProductId);
            var state = saga?.CurrentState ?? "absent";
            finalStates[state] = finalStates.GetValueOrDefault(state) + 1;
            var hasRow = rows.TryGetValue(product.ProductId, out var row);
            var isFaulted = state == "Faulted";
            if (hasRow) stored++;
            if (isFaulted)
            {
                faulted++;
                var reason = $"{saga!.FaultStage}: {ReasonClass(saga.FaultReason)}";
                reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
            }

            var wrong = false;
            if (!hasRow && !isFaulted) { lost++; wrong = true; }
            if (hasRow && (row.Count > 1 || row.Revision != (saga?.Revision ?? 1))) { duplicated++; wrong = true; }
            if (!States.Contains(state)) { stranded++; wrong = true; }
            if (wrong && examples.Count < 20) examples.Add(product.ProductId);
        }

        return new ChaosReport(command, RunInfo.Commit(layout.Root), startedAt, settings, sent, stored, faulted, lost, duplicated, stranded,
            Math.Round(feedSeconds, 1), Math.Round(settledAfter, 1), faults, finalStates, reasons, examples);
    }

    /// <summary>A fault reason without what differs product by product (ids, times), so equal reasons count together.</summary>
    static string ReasonClass(string? reason)
    {
        var head = System.Text.RegularExpressions.Regex.Replace((reason ?? "").Split(" (", 2)[0], @"[0-9a-f]{8}-[0-9a-f-]{27}|\d+:\d\d:\d\d(\.\d+)?", "…");
        return head.Length > 160 ? head[..160] : head;
    }

    /// <summary>Products the saga repository has in flight (its index of sagas not yet Completed or Faulted).</summary>
    static async Task<long?> InFlightAsync(StackExchange.Redis.IConnectionMultiplexer redis, string key)
    {
        try { return await redis.GetDatabase().SortedSetLengthAsync(key); }
        catch (StackExchange.Redis.RedisException) { return null; } // not known: Redis restarting or too slow to answer
    }

    static async Task<Dictionary<Guid, (long Revision, int Count)>> RowsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT product_id, max(revision), count(*) FROM products GROUP BY product_id", connection);
        var rows = new Dictionary<Guid, (long, int)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows[reader.GetGuid(0)] = (reader.GetInt64(1), (int)reader.GetInt64(2));
        return rows;
    }
}
