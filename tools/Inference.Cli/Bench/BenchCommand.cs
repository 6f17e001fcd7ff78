using System.Diagnostics;
using System.Text.Json;
using Inference.Loopback;
using Inference.Contracts;
using Inference.Sagas;
using MassTransit;
using Npgsql;
using Spectre.Console;
using StackExchange.Redis;

namespace Inference.Cli.Bench;

/// <summary>
/// <c>inference bench</c>: the end-to-end benchmark. Starts the loopback servers (scripts/infra), runs every service as its own
/// process on a virtual host, database and key prefix of the run's own, publishes N products, waits until all are stored, and
/// reports throughput, latency received→stored, and CPU and peak memory of every process and server.
/// </summary>
public sealed class BenchCommand(BenchSettings settings, string commandLine, IAnsiConsole console)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public async Task<int> ExecuteAsync(CancellationToken cancellationToken)
    {
        var layout = new SolutionLayout(SolutionLayout.FindRoot(AppContext.BaseDirectory), settings.Configuration);
        var products = DevProducts.Read(settings.Input, settings.Products);
        var warmUp = DevProducts.Read(settings.Input, settings.WarmUp, "#warm-up");
        console.MarkupLineInterpolated($"[bold]inference bench[/]: {products.Length:N0} products, models {settings.Models}, {(settings.Rate is { } r ? $"{r:N0}/s" : "flooded")}");

        await InfraScripts.RunAsync(layout, "start.sh");
        var servers = LoopbackServers.Current;
        await using var vhost = await RabbitMqVirtualHost.CreateAsync("bench", servers);
        await using var database = await PostgresDatabase.CreateAsync("bench", servers);
        var prefix = $"bench:{Guid.NewGuid():N}:";
        var logs = Path.Combine(layout.Root, ".infra", "bench-logs", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss"));

        var environment = servers.ServiceSettings(vhost.Name, prefix, database.ConnectionString);
        environment["Models__Kind"] = settings.Models == "null" ? "Null" : "Onnx";
        console.MarkupLine("starting every service as its own process");
        BenchResult result;
        var extractors = layout.DeployedExtractors();
        try
        {
            await using var pipeline = await DistributedPipeline.StartAsync(layout, environment, extractors, logs, TimeSpan.FromSeconds(120), withGateway: settings.WithGateway);
            var usage = Usage(layout, pipeline);
            // What starting cost: every service's CPU from its launch until it was ready (loading, and compiling its start-up code).
            var startCpu = usage.Take(pipeline.Services.Count).Sum(u => u.TotalCpuSeconds());
            result = await MeasureAsync(warmUp, products, vhost, database, usage, cancellationToken) with { StartCpuSeconds = startCpu };
        }
        catch (PipelineStalledException e)
        {
            // no figure is worth printing: a run that stores nothing has no latency, and its CPU per product divides by nothing
            console.MarkupLineInterpolated($"[red]bench stopped:[/] {e.Message}; the services' logs are in {logs}");
            return 1;
        }
        finally
        {
            // the run's saga keys go whatever happened, as its virtual host and database do
            await RunInfo.DeleteRedisKeysAsync(servers.Redis, prefix);
        }

        var limits = settings.Models == "null"
            ? ((IReadOnlyList<ModelFigures>)[], (double?)null)
            : ModelLimits.Measure(products.Take(1024).Select(p => p.Text).ToArray(), extractors.SelectMany(e => e).ToArray(), "Onnx", 32);
        result = result with { ModelLimits = limits.Item1, LimitProductsPerSecond = limits.Item2 };

        Print(result);
        Save(result, layout.Root);
        return result.Stored == result.Products ? 0 : 1;
    }

    async Task<BenchResult> MeasureAsync(
        DevProduct[] warmUp, DevProduct[] products,
        RabbitMqVirtualHost vhost, PostgresDatabase database, IReadOnlyList<ProcessUsage> usage, CancellationToken cancellationToken)
    {
        var upstream = vhost.CreateUpstreamBus();
        await upstream.StartAsync(cancellationToken);
        try
        {
            double? idleAfter = null;
            if (warmUp.Length > 0)
            {
                // Steady state is what is measured: the first messages pay for JIT compilation in every process. The warm-up runs at the
                // measured rate, so that the code paths of that load (batch sizes, timers) are the hot ones, and the measurement starts
                // once every process has gone idle: the runtime compiles hot methods again, optimized, on a background thread for seconds
                // after they became hot, and the nine service processes doing so at once held a paced run below its rate for its first 10-20 s.
                await PublishAsync(upstream, warmUp, settings.Rate, cancellationToken);
                var warmedUp = await WaitUntilStoredAsync(database.ConnectionString, warmUp.Length, cancellationToken);
                if (warmedUp < warmUp.Length)
                    throw new PipelineStalledException($"the warm-up stored {warmedUp:N0} of {warmUp.Length:N0} products, then nothing for {settings.Patience.TotalSeconds:N0} s");
                idleAfter = await WaitUntilIdleAsync(usage, cancellationToken);
                console.MarkupLineInterpolated($"warmed up with {warmUp.Length:N0} products; {(idleAfter is { } s ? $"every process idle after {s:N0} s" : "the processes did not go idle")}");
            }

            foreach (var process in usage) process.Start();
            using var sampling = new CancellationTokenSource();
            var sampler = SampleAsync(usage, sampling.Token);

            var started = DateTimeOffset.UtcNow;
            var stopwatch = Stopwatch.StartNew();
            await PublishAsync(upstream, products, settings.Rate, cancellationToken);
            console.MarkupLineInterpolated($"published {products.Length:N0} in {stopwatch.Elapsed.TotalSeconds:N1} s; waiting until all are stored");
            var stored = await WaitUntilStoredAsync(database.ConnectionString, warmUp.Length + products.Length, cancellationToken) - warmUp.Length;

            await sampling.CancelAsync();
            await sampler;
            if (stored <= 0) throw new PipelineStalledException($"stored none of the {products.Length:N0} products in {settings.Patience.TotalSeconds:N0} s");
            var (seconds, p50, p95, p99, firstSeconds) = await LatenciesAsync(database.ConnectionString, started);
            return new BenchResult(
                commandLine, RunInfo.Commit(SolutionLayout.FindRoot(AppContext.BaseDirectory)), RunInfo.Machine(), started, settings.Models, settings.Rate, warmUp.Length, products.Length, (int)stored,
                seconds, stored / seconds, p50, p95, p99,
                usage.Select(u => new ProcessFigures(u.Name, u.CpuSeconds / Math.Max(1, stored) * 1000, u.PeakRssBytes / 1048576.0)).ToArray(),
                [], null, idleAfter, FirstSeconds: firstSeconds);
        }
        finally
        {
            await upstream.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Waits until the store holds <paramref name="count"/> products, or nothing was stored for the patience; returns how many it holds.</summary>
    async Task<long> WaitUntilStoredAsync(string connectionString, long count, CancellationToken cancellationToken)
    {
        long stored = 0;
        var lastProgress = DateTime.UtcNow;
        while (stored < count && DateTime.UtcNow - lastProgress < settings.Patience)
        {
            await Task.Delay(100, cancellationToken);
            var now = await PostgresDatabase.CountProductsAsync(connectionString);
            if (now > stored) lastProgress = DateTime.UtcNow;
            stored = now;
        }

        return stored;
    }

    /// <summary>
    /// Waits until the processes together use less than a tenth of a core for two one-second samples in a row; returns the seconds it took,
    /// or null when they were still busy after a minute (the run goes on, and its page says so).
    /// </summary>
    static async Task<double?> WaitUntilIdleAsync(IReadOnlyList<ProcessUsage> usage, CancellationToken cancellationToken)
    {
        const double IdleCores = 0.1;
        var clock = Stopwatch.StartNew();
        var last = usage.Sum(u => u.TotalCpuSeconds());
        var lastAt = clock.Elapsed;
        var quietSince = (TimeSpan?)null;
        while (clock.Elapsed < TimeSpan.FromMinutes(1))
        {
            await Task.Delay(1000, cancellationToken); // /proc counts CPU in 10 ms ticks: a second per sample keeps that small
            var now = usage.Sum(u => u.TotalCpuSeconds());
            var at = clock.Elapsed;
            var cores = (now - last) / (at - lastAt).TotalSeconds;
            (last, lastAt) = (now, at);
            if (cores >= IdleCores) quietSince = null;
            else if ((quietSince ??= at) <= at - TimeSpan.FromSeconds(1)) return at.TotalSeconds;
        }

        return null;
    }

    /// <summary>Floods (every publish awaited for its broker confirm, many in flight), or paces to <paramref name="rate"/>.</summary>
    static async Task PublishAsync(IBus bus, DevProduct[] products, double? rate, CancellationToken cancellationToken)
    {
        var inFlight = new SemaphoreSlim(rate is null ? 512 : 64);
        var tasks = new List<Task>(products.Length);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < products.Length; i++)
        {
            if (rate is { } perSecond)
            {
                // The clock is read once: read twice, a thread preempted between the reads could pass Task.Delay a wait
                // between -1 and -2 ms, which it truncates to -1 ms, "wait forever" (it hung runs at 200/s).
                var wait = TimeSpan.FromSeconds(i / perSecond) - clock.Elapsed;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
            }

            await inFlight.WaitAsync(cancellationToken);
            var (id, source, text) = products[i];
            tasks.Add(PublishOneAsync(bus, new ProductTextReceived(ProductIds.For(source, id), source, id, text, DateTimeOffset.UtcNow), inFlight, cancellationToken));
        }

        await Task.WhenAll(tasks);
    }

    static async Task PublishOneAsync(IBus bus, ProductTextReceived message, SemaphoreSlim inFlight, CancellationToken cancellationToken)
    {
        try { await bus.Publish(message, cancellationToken); }
        finally { inFlight.Release(); }
    }

    static async Task SampleAsync(IReadOnlyList<ProcessUsage> usage, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var process in usage) process.Sample();
            try { await Task.Delay(250, cancellationToken); }
            catch (OperationCanceledException) { break; }
        }

        foreach (var process in usage) process.Sample();
    }

    static IReadOnlyList<ProcessUsage> Usage(SolutionLayout layout, DistributedPipeline pipeline)
    {
        var servers = LoopbackServers.Current;
        return
        [
            .. pipeline.Services.Select(s => new ProcessUsage(s.Name, () => s.HasExited ? [] : [s.Id])),
            new ProcessUsage("rabbitmq", ProcessUsage.FromPidFile(servers.PidFile("rabbitmq", "rabbitmq.pid"))),
            new ProcessUsage("redis", ProcessUsage.FromPidFile(servers.PidFile("redis", "redis.pid"))),
            new ProcessUsage("postgresql", ProcessUsage.WithChildren(ProcessUsage.FromPidFile(servers.PidFile("postgres", "data", "postmaster.pid")))),
        ];
    }

    /// <summary>
    /// First publish to last store, received→stored per product, from the stored rows' own timestamps; and p50/p99 per
    /// <see cref="LatencyWindow.Seconds"/> of arrival over the run's first half minute, which shows how soon a process runs at full speed.
    /// </summary>
    static async Task<(double Seconds, double P50, double P95, double P99, IReadOnlyList<LatencyWindow> FirstSeconds)> LatenciesAsync(
        string connectionString, DateTimeOffset started)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT EXTRACT(EPOCH FROM (created_at - received_at)) * 1000, created_at, received_at FROM products WHERE received_at >= @started", connection);
        command.Parameters.AddWithValue("started", started.UtcDateTime);
        var latencies = new List<double>();
        var windows = new List<double>[LatencyWindow.Count];
        for (var i = 0; i < windows.Length; i++) windows[i] = [];
        var last = started;
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var latency = (double)reader.GetDecimal(0);
                latencies.Add(latency);
                var stored = reader.GetFieldValue<DateTimeOffset>(1);
                if (stored > last) last = stored;
                var window = (int)((reader.GetFieldValue<DateTimeOffset>(2) - started).TotalSeconds / LatencyWindow.Seconds);
                if (window < windows.Length) windows[window].Add(latency);
            }
        }

        latencies.Sort();
        foreach (var window in windows) window.Sort();
        return (Math.Max(0.001, (last - started).TotalSeconds), Quantile(latencies, 0.50), Quantile(latencies, 0.95), Quantile(latencies, 0.99),
            windows.Select((w, i) => new LatencyWindow(i * LatencyWindow.Seconds, w.Count, Quantile(w, 0.50), Quantile(w, 0.99))).Where(w => w.Products > 0).ToArray());
    }

    /// <summary>The <paramref name="q"/> quantile of <paramref name="sorted"/> (sorted ascending).</summary>
    static double Quantile(List<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];

    void Print(BenchResult result)
    {
        var table = new Table().Title($"inference bench: models {result.Models}, {result.Products:N0} products").AddColumns("figure", "value");
        table.AddRow("stored", $"{result.Stored:N0} of {result.Products:N0}");
        table.AddRow("throughput (first publish → last store)", $"{result.ProductsPerSecond:N0} products/s");
        table.AddRow("latency received→stored p50 / p95 / p99", $"{result.LatencyP50Ms:N0} / {result.LatencyP95Ms:N0} / {result.LatencyP99Ms:N0} ms");
        if (result.LimitProductsPerSecond is { } limit)
            table.AddRow("model limit (one core, models only)", $"{limit:N0} products/s; pipeline at {result.ShareOfLimit:P0} of it");
        if (result.StartCpuSeconds is { } startCpu) table.AddRow("start: every service's CPU until ready", $"{startCpu:N1} s");
        foreach (var w in result.FirstSeconds ?? [])
            table.AddRow($"arrived {w.FromSecond}-{w.FromSecond + LatencyWindow.Seconds} s: p50 / p99", $"{w.P50Ms:N0} / {w.P99Ms:N0} ms ({w.Products:N0} products)");
        console.Write(table);

        var processes = new Table().AddColumns("process", "CPU s per 1,000 products", "peak RSS MB");
        foreach (var p in result.Processes) processes.AddRow(p.Name, p.CpuSecondsPer1000.ToString("N2"), p.PeakRssMb.ToString("N0"));
        console.Write(processes);
        if (result.ModelLimits.Count > 0)
        {
            var models = new Table().AddColumns("model", "batch", "items/s");
            foreach (var m in result.ModelLimits) models.AddRow(m.Model, m.BatchSize.ToString(), m.ItemsPerSecond.ToString("N0"));
            console.Write(models);
        }
    }

    void Save(BenchResult result, string root)
    {
        var directory = Path.IsPathRooted(settings.ResultsDirectory) ? settings.ResultsDirectory : Path.Combine(root, settings.ResultsDirectory);
        Directory.CreateDirectory(directory);
        var name = $"{result.StartedAt:yyyyMMdd-HHmmss}-{result.Models}{(result.Rate is { } r ? $"-rate{r:0}" : "")}{(result.Processes.Any(p => p.Name == "gateway") ? "-gateway" : "")}";
        File.WriteAllText(Path.Combine(directory, name + ".json"), JsonSerializer.Serialize(result, Json));
        File.WriteAllText(Path.Combine(directory, name + ".md"), BenchMarkdown.Render(result));
        console.MarkupLineInterpolated($"results in {Path.Combine(directory, name)}.json and .md");
    }
}

/// <summary>The pipeline stored nothing for the bench's patience: there is nothing to measure.</summary>
sealed class PipelineStalledException(string message) : Exception(message);
