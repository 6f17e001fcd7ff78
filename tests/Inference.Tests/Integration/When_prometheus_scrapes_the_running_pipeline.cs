using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Inference.Cli;
using Inference.Contracts;
using Inference.Loopback;
using Inference.Sagas;
using Inference.Tests.Deployment;
using MassTransit;
using Npgsql;

namespace Inference.Tests.Integration;

/// <summary>
/// A real Prometheus (Debian's, on <c>PROMETHEUS_PORT</c>) scrapes every service of a running pipeline on loopback every
/// second, with the chart's own rules (k8s/inference/files/alerts.yaml) loaded, while products flow. Every query of the
/// Grafana dashboard the chart ships returns data, every rule evaluates without error and every series an alert reads
/// exists; the product without text (refused at the bus door) and one the database refuses fire the <c>_error</c> queue's alert; Prometheus' figures agree with what went in and with what the dashboard shows.
/// </summary>
[Category("Integration")]
[NonParallelizable]
public sealed partial class When_prometheus_scrapes_the_running_pipeline
{
    const int Products = 300;
    const string Refused = "REFUSED-BY-CHECK";
    static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);
    static readonly string Root = SolutionLayout.FindRoot(TestContext.CurrentContext.TestDirectory);

    ProcessPipeline _run = null!;
    Process? _prometheus;
    readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    Uri _api = null!;

    [OneTimeSetUp]
    public async Task RunAsync()
    {
        // The name deployment gives a service wins over the code's.
        var named = new Dictionary<string, IDictionary<string, string?>> { ["validator"] = new Dictionary<string, string?> { ["OTEL_SERVICE_NAME"] = "validator-as-deployed" } };
        _run = await ProcessPipeline.StartAsync("prom", extractors => [extractors], named, withGateway: true);

        _prometheus = StartPrometheus();
        _api = new Uri($"http://127.0.0.1:{LoopbackServers.Current.PrometheusPort}/");
        await WaitForAsync(async () => (await TryGetAsync("-/ready")) is not null, "Prometheus ready");

        var records = _run.Products(Products);
        // A product without text: refused at the bus door, kept in product-state_error.
        await _run.Upstream.Publish(new ProductTextReceived(Guid.NewGuid(), "test", "no-text", null!, DateTimeOffset.UtcNow));
        // A product the database refuses (a check constraint, as a DBA might add): faulted at the store, its command in store_error.
        await using (var connection = new NpgsqlConnection(_run.Database.ConnectionString))
        {
            await connection.OpenAsync();
            await WaitForAsync(async () =>
            {
                await using var exists = new NpgsqlCommand("SELECT to_regclass('products') IS NOT NULL", connection);
                return (bool)(await exists.ExecuteScalarAsync())!;
            }, "the store's schema");
            await using var constraint = new NpgsqlCommand($"ALTER TABLE products ADD CONSTRAINT refuses_marked_text CHECK (text NOT LIKE '%{Refused}%')", connection);
            await constraint.ExecuteNonQueryAsync();
        }

        await _run.Upstream.Publish(new ProductTextReceived(Guid.NewGuid(), "test", "refused", $"Koss EQ50 {Refused}", DateTimeOffset.UtcNow));
        // Half the products, then the rest once Prometheus has scraped the first half's series, so every rate has two
        // different points however fast the pipeline was.
        var half = Products / 2;
        await Task.WhenAll(records.Take(half).Select(r => _run.Upstream.Publish(r)));
        await WaitForAsync(async () => await StoredAsync() >= half, "the first half stored");
        await WaitForAsync(async () => await ValueAsync($"sum(inference_model_items_total{{inference_model=\"classifier\"}})") >= half,
            "Prometheus has the first half's series");
        await Task.WhenAll(records.Skip(half).Select(r => _run.Upstream.Publish(r)));

        await WaitForAsync(async () => await StoredAsync() >= Products, "every product stored");
        // Every service scraped at least twice since, so rates and increases have their two points.
        await WaitForAsync(async () => await ValueAsync("min(count_over_time(up[15s]))") >= 10, "fifteen scrapes of every service");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_prometheus is { HasExited: false })
        {
            _prometheus.Kill();
            await _prometheus.WaitForExitAsync();
        }

        _prometheus?.Dispose();
        if (_run is not null) await _run.DisposeAsync();
        _http.Dispose();
    }

    [Test]
    public async Task Should_scrape_every_service()
    {
        var up = await QueryAsync("up");
        Assert.That(up.Select(s => s.Labels["job"]), Is.EquivalentTo(_run.Pipeline.Services.Select(s => s.Name)));
        Assert.That(up.Select(s => s.Value), Has.All.EqualTo(1));

        var names = (await QueryAsync("target_info")).ToDictionary(s => s.Labels["job"], s => s.Labels["service_name"]);
        Assert.That(names["validator"], Is.EqualTo("validator-as-deployed"));
        Assert.That(names["orchestrator"], Is.EqualTo("orchestrator"));
        Assert.That((await QueryAsync("target_info")).Select(s => s.Labels.GetValueOrDefault("service_version")), Has.All.Not.Empty);
    }

    [TestCaseSource(nameof(DashboardQueries))]
    public async Task Should_answer_every_dashboard_query(string panel, string expr)
    {
        var result = await QueryAsync(expr);
        Assert.That(result, Is.Not.Empty, $"{panel}: {expr}");
        Assert.That(result.Select(s => s.Value), Has.Some.Not.NaN, $"{panel}: {expr}");
    }

    [Test]
    public async Task Should_evaluate_every_rule_without_error()
    {
        JsonArray groups = null!;
        await WaitForAsync(async () =>
        {
            groups = (await GetAsync("api/v1/rules"))["data"]!["groups"]!.AsArray();
            return groups.SelectMany(g => g!["rules"]!.AsArray()).All(r => r!["lastEvaluation"]!.GetValue<string>() != "0001-01-01T00:00:00Z");
        }, "every rule evaluated once");
        var rules = groups.SelectMany(g => g!["rules"]!.AsArray()).ToArray();
        Assert.That(rules, Has.Length.EqualTo(13));
        foreach (var rule in rules)
            Assert.That(rule!["health"]!.GetValue<string>(), Is.EqualTo("ok"), $"{rule["name"]}: {rule["lastError"]}");
    }

    [Test]
    public async Task Should_record_every_series_an_alert_reads()
    {
        var alerts = File.ReadAllText(Path.Combine(Root, "k8s", "inference", "files", "alerts.yaml"));
        var recorded = RecordedName().Matches(alerts).Select(m => m.Value).Distinct().ToArray();
        Assert.That(recorded, Has.Length.EqualTo(7));
        foreach (var series in recorded)
        {
            IReadOnlyList<PromSample> result = [];
            await WaitForAsync(async () => (result = await QueryAsync(series)).Count > 0, $"the recorded series {series}");
            Assert.That(result.Select(s => s.Value), Has.Some.Not.NaN, series);
        }
    }

    [Test]
    public async Task Should_fire_the_error_queue_alert_for_the_refused_products()
    {
        JsonNode[] alerts = [];
        await WaitForAsync(async () =>
        {
            alerts = (await GetAsync("api/v1/alerts"))["data"]!["alerts"]!.AsArray()
                .Where(a => a!["labels"]!["alertname"]!.GetValue<string>() == "InferenceErrorQueueNotEmpty").Select(a => a!).ToArray();
            return alerts.Length >= 2;
        }, "InferenceErrorQueueNotEmpty pending or firing for both error queues");
        Assert.That(alerts.Select(a => a["labels"]!["messaging_destination_name"]!.GetValue<string>()),
            Is.EquivalentTo(new[] { "product-state_error", "store_error" }));
        Assert.That(alerts.Select(a => a["state"]!.GetValue<string>()), Has.All.AnyOf("pending", "firing"));
    }

    [Test]
    public async Task Should_agree_with_what_went_in()
    {
        // A row is in PostgreSQL before its saga hears ProductStored: the store stage's count catches up within seconds, and
        // not beyond (a product counted twice there would be a saga stored twice).
        // Every product and the refused one leave the store stage (the refused one faulted there).
        await WaitForAsync(async () => await ValueAsync("sum(inference_stage_duration_seconds_count{inference_stage=\"store\"})") >= Products + 1,
            "every product through the store stage in Prometheus");
        Assert.That(await ValueAsync("sum(inference_stage_duration_seconds_count{inference_stage=\"store\"})"), Is.EqualTo(Products + 1));
        await WaitForAsync(async () => await ValueAsync("max(inference_stage_products)") == 0, "no product waiting on any stage");
        // Each product classified once by the fast model, the refused one too (the one without text never reaches it).
        Assert.That(await ValueAsync("sum(inference_model_items_total{inference_model=\"classifier\"})"), Is.EqualTo(Products + 1));
        Assert.That(await ValueAsync("sum(inference_stage_faults_total{inference_stage=\"store\"})"), Is.EqualTo(1));
        Assert.That(await ValueAsync("sum(inference_stage_faults_total)"), Is.EqualTo(1));
        Assert.That(await ValueAsync("sum(inference_products_rejected_total)"), Is.EqualTo(1));
        // The queue gauges come from the management API, whose figures trail by a few seconds.
        foreach (var queue in new[] { "store_error", "product-state_error" })
            await WaitForAsync(async () => await ValueAsync($"max(inference_queue_messages{{messaging_destination_name=\"{queue}\",state=\"ready\"}})") == 1,
                $"one message in {queue}");
        Assert.That(await ValueAsync("max(inference_queue_consumers{messaging_destination_name=\"classify\"})"), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_agree_with_the_dashboard()
    {
        // The dashboard draws what the Gateway's /v1/pipeline answers (the page against the answer: When_the_dashboard_is_open);
        // Prometheus reads the services' /metrics. Once the products are through, the two say the same: runs ended, faults, and
        // each queue's messages and consumers (both from the management API, whose figures trail by seconds).
        var gateway = _run.Pipeline.Services.Single(s => s.Name == "gateway").Address!;
        JsonNode pipeline = null!;
        long? State(string state) => pipeline["states"]!["counts"]!.AsArray().Single(c => c!["state"]!.GetValue<string>() == state)!["count"]?.GetValue<long>();
        await WaitForAsync(async () =>
        {
            pipeline = JsonNode.Parse(await _http.GetStringAsync(new Uri(gateway, "v1/pipeline")))!;
            return State("Completed") == Products && State("Faulted") == 1;
        }, "the dashboard's figures to take in every run");
        Assert.That(State("Completed") + State("Faulted"), Is.EqualTo(await ValueAsync("sum(inference_stage_duration_seconds_count{inference_stage=\"store\"})")));
        Assert.That(State("Faulted"), Is.EqualTo(await ValueAsync("sum(inference_stage_faults_total)")));

        var disagreements = new List<string>();
        await WaitForAsync(async () =>
        {
            disagreements.Clear();
            pipeline = JsonNode.Parse(await _http.GetStringAsync(new Uri(gateway, "v1/pipeline")))!;
            foreach (var queue in pipeline["queues"]!["items"]!.AsArray())
            {
                var name = queue!["name"]!.GetValue<string>();
                var ready = await ValueAsync($"max(inference_queue_messages{{messaging_destination_name=\"{name}\",state=\"ready\"}})");
                var consumers = await ValueAsync($"max(inference_queue_consumers{{messaging_destination_name=\"{name}\"}})");
                if (ready != queue["ready"]!.GetValue<long>() || consumers != queue["consumers"]!.GetValue<int>())
                    disagreements.Add($"{name}: dashboard {queue["ready"]} ready, {queue["consumers"]} consumers; Prometheus {ready}, {consumers}");
            }

            return disagreements.Count == 0;
        }, "the dashboard's queues and Prometheus' to agree");
        Assert.That(pipeline["queues"]!["items"]!.AsArray(), Has.Count.GreaterThanOrEqualTo(8), "every pipeline queue listed");
        Assert.That(disagreements, Is.Empty);
    }

    public static IEnumerable<TestCaseData> DashboardQueries() =>
        GrafanaDashboard.Queries(JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "k8s", "inference", "files", "dashboard.json")))!)
            .Select(q => new TestCaseData(q.Panel, q.Expr).SetArgDisplayNames(q.Panel));

    Process StartPrometheus()
    {
        var targets = string.Join("\n", _run.Pipeline.Services.Select(s =>
            $"  - job_name: '{s.Name}'\n    static_configs:\n      - targets: ['{s.Address!.Authority}']"));
        var config = Path.Combine(_run.Home, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - {Path.Combine(Root, "k8s", "inference", "files", "alerts.yaml")}
            scrape_configs:
            {targets}
            """);
        var start = new ProcessStartInfo("prometheus")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
                 {
                     $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(_run.Home, "data")}",
                     $"--web.listen-address=127.0.0.1:{LoopbackServers.Current.PrometheusPort}",
                 })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException("prometheus did not start");
        var log = new StreamWriter(Path.Combine(_run.Home, "prometheus.log")) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    sealed record PromSample(IReadOnlyDictionary<string, string> Labels, double Value);

    async Task<IReadOnlyList<PromSample>> QueryAsync(string expr)
    {
        var answer = await GetAsync($"api/v1/query?query={Uri.EscapeDataString(expr)}");
        Assert.That(answer["status"]!.GetValue<string>(), Is.EqualTo("success"), expr);
        return answer["data"]!["result"]!.AsArray().Select(r => new PromSample(
                r!["metric"]!.AsObject().ToDictionary(l => l.Key, l => l.Value!.GetValue<string>()),
                double.Parse(r["value"]![1]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)))
            .ToArray();
    }

    async Task<double> ValueAsync(string expr) => (await QueryAsync(expr)) is [var single] ? single.Value : double.NaN;

    async Task<JsonNode> GetAsync(string path) => await TryGetAsync(path) ?? throw new AssertionException($"Prometheus did not answer {path}");

    async Task<JsonNode?> TryGetAsync(string path)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(_api, path));
            var body = await response.Content.ReadAsStringAsync();
            return !response.IsSuccessStatusCode ? null : path.StartsWith("-/", StringComparison.Ordinal) ? new JsonObject() : JsonNode.Parse(body);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    Task<long> StoredAsync() => _run.Database.CountProductsAsync();

    async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var giveUpAt = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > giveUpAt)
                Assert.Fail($"gave up waiting for {what} after {Patience.TotalMinutes} min; Prometheus' log:\n" +
                            string.Join("\n", File.ReadLines(Path.Combine(_run.Home, "prometheus.log")).TakeLast(20)));
            await Task.Delay(500);
        }
    }

    [GeneratedRegex("inference:[a-z0-9_:]+")]
    private static partial Regex RecordedName();
}
