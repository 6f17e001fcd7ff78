using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Playwright;

namespace Inference.Tests.Gateway.Live;

/// <summary>
/// The dashboard in a real headless Chromium (Debian's, driven by Playwright for .NET), served by a Gateway on a loopback port
/// while products flow; this Gateway needs a key to read, so the page must ask for one.
/// </summary>
[Category("Integration")]
public sealed class When_the_dashboard_is_open
{
    const string Chromium = "/usr/bin/chromium";
    const int Batches = 8;
    const int PerBatch = 10;
    static readonly string[] ChromiumArgs =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    readonly List<string> _requests = [];
    readonly List<Guid> _posted = [];
    readonly Guid _refused = Guid.NewGuid();
    GatewayFactory _gateway = null!;
    HttpClient _api = null!;
    IPlaywright _playwright = null!;
    IBrowser _browser = null!;
    IPage _page = null!;
    bool _askedForKey;

    [OneTimeSetUp]
    public async Task OpenAsync()
    {
        if (!File.Exists(Chromium))
            Assert.Fail($"{Chromium} is missing: Debian's chromium package is installed by scripts/infra/install.sh (apt-get install chromium).");

        var settings = LivePipeline.GatewaySettings();
        settings["Gateway:RequireKeyForReads"] = "true";
        _gateway = new GatewayFactory(settings, LivePipeline.Pipeline).ServeOnLoopback();
        Assert.That(_gateway.Address.Host, Is.EqualTo("127.0.0.1"));
        Assert.That(_gateway.Address.Port, Is.Not.EqualTo(8080).And.Not.EqualTo(2024));
        _api = new HttpClient { BaseAddress = _gateway.Address };
        await Http.UntilReadyAsync(_api);

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ChromiumArgs,
        });
        _page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1300 } });
        _page.Request += (_, request) => { lock (_requests) _requests.Add(request.Url); };

        // Products flow while the page loads and polls.
        var flow = Task.Run(async () =>
        {
            for (var b = 0; b < Batches; b++)
            {
                var batch = Enumerable.Range(0, PerBatch).Select(i => new { id = Guid.NewGuid(), source = "dashboard", text = $"Swingline 747 stapler no. {b}-{i}" }).ToArray();
                var answer = await Http.PostAsync(_api, JsonSerializer.Serialize(batch));
                Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.Accepted), answer.ToString());
                lock (_posted) _posted.AddRange(batch.Select(p => p.id));
                await Task.Delay(250);
            }
        });

        await _page.GotoAsync(_gateway.Address.ToString());
        await _page.Locator("#key-form").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        _askedForKey = true;
        await _page.FillAsync("#key-input", GatewayFactory.Key);
        await _page.ClickAsync("#key-form button");

        await flow;
        foreach (var id in _posted) await UntilFinishedAsync(id);

        // And one that the saga's door refuses, published past the Gateway.
        await LivePipeline.VirtualHost.PublishRawAsync("Inference.Contracts:ProductTextReceived",
            $$"""{"productId":"{{Guid.NewGuid()}}","source":"dashboard","text":""}""", "application/json", _refused);
    }

    [OneTimeTearDown]
    public async Task CloseAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
        _api?.Dispose();
        if (_gateway is not null) await _gateway.DisposeAsync();
    }

    async Task UntilFinishedAsync(Guid id) =>
        await Http.UntilAsync(async () =>
        {
            var answer = await Http.GetAsync(_api, $"v1/products/{id}", GatewayFactory.Key);
            return answer.Status == HttpStatusCode.OK && answer.Json.GetProperty("state").GetString() is "Completed" or "Faulted";
        }, $"product {id} to finish");

    async Task<JsonElement> PipelineAsync() => (await Http.GetAsync(_api, "v1/pipeline", GatewayFactory.Key)).Json;

    async Task<long?> OnPageAsync(string selector)
    {
        var text = await _page.Locator(selector).TextContentAsync(new LocatorTextContentOptions { Timeout = 5_000 });
        return long.TryParse(text?.Replace(",", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    /// <summary>The page polls every 1.5 s: wait until it shows what the API says (read again each time).</summary>
    async Task<long> UntilPageShowsAsync(string selector, Func<JsonElement, long> fromApi)
    {
        long expected = -1;
        long? shown = null;
        await Http.UntilAsync(async () =>
        {
            expected = fromApi(await PipelineAsync());
            shown = await OnPageAsync(selector);
            return shown == expected;
        }, $"the page's {selector} to match /v1/pipeline (page {shown}, API {expected})", TimeSpan.FromSeconds(30));
        return expected;
    }

    [Test]
    public void Should_ask_for_the_key_when_reads_need_one() => Assert.That(_askedForKey, Is.True);

    [Test]
    public async Task Should_show_the_consumers_of_classify_that_the_pipeline_reports()
    {
        var consumers = await UntilPageShowsAsync("tr[data-queue='classify'] [data-field='consumers']", pipeline =>
            pipeline.GetProperty("queues").GetProperty("items").EnumerateArray()
                .Where(q => q.GetProperty("name").GetString() == "classify")
                .Select(q => (long)q.GetProperty("consumers").GetInt32()).DefaultIfEmpty(-1).First());
        Assert.That(consumers, Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public async Task Should_list_the_consumers_of_each_queue_as_the_broker_does()
    {
        var row = _page.Locator("#consumer-rows tr[data-consumers-of='classify']");
        long expected = -1;
        await Http.UntilAsync(async () =>
        {
            var report = (await Http.GetAsync(_api, "v1/pipeline/consumers", GatewayFactory.Key)).Json;
            expected = report.GetProperty("queues").EnumerateArray().Where(q => q.GetProperty("queue").GetString() == "classify")
                .Select(q => (long)q.GetProperty("consumers").GetArrayLength()).DefaultIfEmpty(-1).First();
            return await row.CountAsync() == 1 && await OnPageAsync("#consumer-rows tr[data-consumers-of='classify'] [data-field='consumers']") == expected;
        }, "the page's consumers of classify to match /v1/pipeline/consumers", TimeSpan.FromSeconds(30));
        Assert.That(expected, Is.GreaterThanOrEqualTo(1));
        Assert.That(await row.Locator("[data-field='connections'] .connection").CountAsync(), Is.EqualTo(expected));
    }

    [Test]
    public async Task Should_show_the_count_of_completed_products_that_the_pipeline_reports()
    {
        var completed = await UntilPageShowsAsync("li[data-state='Completed'] [data-field='count']", pipeline =>
            pipeline.GetProperty("states").GetProperty("counts").EnumerateArray()
                .Single(s => s.GetProperty("state").GetString() == "Completed").GetProperty("count").GetInt64());
        Assert.That(completed, Is.GreaterThanOrEqualTo(Batches * PerBatch));
    }

    [Test]
    public async Task Should_show_throughput_per_stage()
    {
        var classified = await UntilPageShowsAsync("tr[data-stage='classify'] [data-field='count']", pipeline =>
            pipeline.GetProperty("stages").EnumerateArray()
                .Single(s => s.GetProperty("stage").GetString() == "classify").GetProperty("lastMinute").GetProperty("count").GetInt64());
        Assert.That(classified, Is.GreaterThanOrEqualTo(Batches * PerBatch));
        Assert.That(await _page.Locator("#stage-rows tr").CountAsync(), Is.EqualTo(9));
    }

    [Test]
    public async Task Should_show_a_refused_message_with_its_reason_among_the_kept_messages()
    {
        var row = _page.Locator($"#dead-letter-rows tr[data-message='{_refused}']");
        await Assertions.Expect(row.Locator("[data-field='queue']")).ToHaveTextAsync("product-state_error", new LocatorAssertionsToHaveTextOptions { Timeout = 30_000 });
        await Assertions.Expect(row.Locator("[data-field='reason']")).ToContainTextAsync("text is empty");
    }

    [Test]
    public async Task Should_look_a_product_up_and_show_its_state_and_stored_record()
    {
        var id = _posted[^1];
        await _page.FillAsync("#lookup-id", id.ToString());
        await _page.ClickAsync("#lookup-form button");

        await Assertions.Expect(_page.Locator("#lookup-state")).ToHaveTextAsync("Completed");
        await Assertions.Expect(_page.Locator("#lookup-product")).ToHaveTextAsync(id.ToString());
        await Assertions.Expect(_page.Locator("#lookup-record")).ToContainTextAsync($"\"id\": \"{id}\"");
        await Assertions.Expect(_page.Locator("#lookup-record")).ToContainTextAsync("\"attributes\": {");

        var screenshot = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"dashboard-{DateTime.UtcNow:yyyyMMdd-HHmmss}.png");
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        TestContext.AddTestAttachment(screenshot, "the dashboard after a lookup, products having flowed");
    }

    [Test]
    public async Task Should_retry_a_faulted_product_from_its_row_of_the_latest_faults()
    {
        // A text the database refuses (a check constraint): it faults at the store, and again when retried.
        await LivePipeline.RefuseMarkedTextsAsync();
        var faulted = Guid.NewGuid();
        await LivePipeline.Pipeline.Bus.Publish(new Inference.Contracts.ProductTextReceived(
            faulted, "dashboard", null, $"Swingline 747 {LivePipeline.RefusedMarker}", DateTimeOffset.UtcNow));
        var row = _page.Locator($"#fault-rows tr[data-product='{faulted}']");
        await row.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });

        await row.Locator("button.retry").ClickAsync();
        await Assertions.Expect(row.Locator("[data-field='retry-result']")).ToContainTextAsync("sent again from store: attempt 2");
        await Http.UntilAsync(async () =>
        {
            var state = (await Http.GetAsync(_api, $"v1/products/{faulted}", GatewayFactory.Key)).Json;
            return state.GetProperty("attempt").GetInt32() == 2 && state.GetProperty("state").GetString() == "Faulted";
        }, "the retried product to fault again on its second attempt");
    }

    [Test]
    public async Task Should_show_the_progress_of_a_reprocessing_job()
    {
        var started = await Http.PostAsync(_api, """{"source":"dashboard","dryRun":true}""", path: "v1/reprocess");
        Assert.That(started.Status, Is.EqualTo(HttpStatusCode.Accepted), started.ToString());
        var row = _page.Locator($"#reprocess-rows tr[data-job='{started.Json.GetProperty("id").GetString()}']");
        await Assertions.Expect(row.Locator("[data-field='state']")).ToHaveTextAsync("Done", new LocatorAssertionsToHaveTextOptions { Timeout = 30_000 });
        await Assertions.Expect(row.Locator("[data-field='matched']")).ToHaveTextAsync((Batches * PerBatch).ToString("N0", CultureInfo.InvariantCulture));
        await Assertions.Expect(row.Locator("[data-field='filter']")).ToContainTextAsync("dashboard");
    }

    async Task<JsonElement> HistoryAsync() => (await Http.GetAsync(_api, "v1/pipeline/history", GatewayFactory.Key)).Json;

    async Task PostBatchAsync(string text, int count = PerBatch)
    {
        // A source of their own: the reprocessing test counts the set-up's products of "dashboard".
        var batch = Enumerable.Range(0, count).Select(i => new { id = Guid.NewGuid(), source = "dashboard-charts", text = $"{text} {i}" }).ToArray();
        var answer = await Http.PostAsync(_api, JsonSerializer.Serialize(batch));
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.Accepted), answer.ToString());
    }

    [Test]
    public async Task Should_move_the_charts_while_products_flow()
    {
        var throughput = _page.Locator("svg[data-chart='throughput'] path[data-series='completed']");
        var queues = _page.Locator("svg[data-chart='queues'] path[data-series='classify']");
        await Assertions.Expect(throughput).ToHaveAttributeAsync("data-points", new System.Text.RegularExpressions.Regex("^[1-9]"), new() { Timeout = 30_000 });
        var before = await throughput.GetAttributeAsync("d");
        var pointsBefore = int.Parse((await throughput.GetAttributeAsync("data-points"))!, CultureInfo.InvariantCulture);

        for (var b = 0; b < 4; b++)
        {
            await PostBatchAsync($"Fellowes paper shredder moving chart {b}");
            await Task.Delay(500);
        }

        await Http.UntilAsync(async () =>
            await throughput.GetAttributeAsync("d") != before &&
            int.Parse((await throughput.GetAttributeAsync("data-points"))!, CultureInfo.InvariantCulture) > pointsBefore,
            "the products-per-second line to gain samples", TimeSpan.FromSeconds(30));
        Assert.That(await queues.GetAttributeAsync("d"), Does.StartWith("M"), "the classify queue's depth is drawn");
        // What was drawn is what the API holds: the busiest sample's rate is among the history's.
        var rates = (await HistoryAsync()).GetProperty("points").EnumerateArray().Select(p => p.GetProperty("completedPerSecond").GetDouble()).ToArray();
        Assert.That(rates.Max(), Is.GreaterThan(0));
    }

    [Test]
    public async Task Should_show_the_numbers_the_history_api_holds()
    {
        await PostBatchAsync("Fellowes paper shredder numbers");
        string? onPage = null, inApi = null;
        await Http.UntilAsync(async () =>
        {
            var history = await HistoryAsync();
            var points = history.GetProperty("points").EnumerateArray().ToArray();
            if (points.Length == 0) return false;
            inApi = $"{points[^1].GetProperty("completedPerSecond").GetDouble().ToString("F1", CultureInfo.InvariantCulture)} / " +
                    $"{points.Sum(p => p.GetProperty("faulted").GetInt64()).ToString("N0", CultureInfo.InvariantCulture)} / {points.Length}";
            var drawn = await _page.Locator("svg[data-chart='throughput'] path[data-series='completed']").GetAttributeAsync("data-points");
            onPage = $"{await _page.Locator("#latest-per-second").TextContentAsync()} / {await _page.Locator("#faults-in-window").TextContentAsync()} / {drawn}";
            return onPage == inApi;
        }, $"the page's latest rate, faults and samples to match /v1/pipeline/history (page {onPage}, API {inApi})", TimeSpan.FromSeconds(30));
    }

    [Test]
    public async Task Should_find_a_product_by_source_and_source_id_and_by_the_start_of_its_text()
    {
        var sourceId = $"sku-{Guid.NewGuid():N}";
        var posted = await Http.PostAsync(_api, JsonSerializer.Serialize(new { source = "dashboard-search", sourceId, text = $"Brother label printer {sourceId}" }));
        Assert.That(posted.Status, Is.EqualTo(HttpStatusCode.Accepted), posted.ToString());
        var id = posted.Json.GetProperty("id").GetGuid();
        await UntilFinishedAsync(id);

        await _page.FillAsync("#search-source", "dashboard-search");
        await _page.FillAsync("#search-source-id", sourceId);
        await _page.FillAsync("#search-text", "");
        await _page.ClickAsync("#search-form button");
        var row = _page.Locator($"#search-rows tr[data-product='{id}']");
        await Assertions.Expect(row.Locator("[data-field='source-id']")).ToHaveTextAsync(sourceId);
        await Assertions.Expect(row.Locator("[data-field='state']")).ToHaveTextAsync("Completed");
        await Assertions.Expect(_page.Locator("#search-rows tr")).ToHaveCountAsync(1);

        await row.Locator("button.link").ClickAsync();
        await Assertions.Expect(_page.Locator("#lookup-product")).ToHaveTextAsync(id.ToString());

        // By the start of the text, any case: the ten products of one batch of the set-up, and no other.
        await _page.FillAsync("#search-source", "dashboard");
        await _page.FillAsync("#search-source-id", "");
        await _page.FillAsync("#search-text", "swingline 747 STAPLER no. 3-");
        await _page.ClickAsync("#search-form button");
        await Assertions.Expect(_page.Locator("#search-rows tr")).ToHaveCountAsync(PerBatch);
        await Assertions.Expect(_page.Locator("#search-note")).ToContainTextAsync("10,000");
    }

    [Test]
    public async Task Should_say_which_field_a_search_lacks()
    {
        var answer = await Http.GetAsync(_api, "v1/products?source=dashboard", GatewayFactory.Key);
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.BadRequest), answer.ToString());
        Assert.That(answer.Json.GetProperty("errors").TryGetProperty("sourceId", out _), Is.True, answer.Body);
        var noSource = await Http.GetAsync(_api, "v1/products?sourceId=x", GatewayFactory.Key);
        Assert.That(noSource.Json.GetProperty("errors").TryGetProperty("source", out _), Is.True, noSource.Body);
    }

    [Test]
    public async Task Should_say_why_for_a_product_it_does_not_know()
    {
        await _page.FillAsync("#lookup-id", Guid.NewGuid().ToString());
        await _page.ClickAsync("#lookup-form button");
        await Assertions.Expect(_page.Locator("#lookup-error")).ToContainTextAsync("knows no product");
    }

    [Test]
    public async Task Should_load_nothing_from_outside_the_gateway_for_the_dashboard_and_the_api_page()
    {
        var apiPage = await _browser.NewPageAsync();
        var apiRequests = new List<string>();
        apiPage.Request += (_, request) => { lock (apiRequests) apiRequests.Add(request.Url); };
        await apiPage.GotoAsync(new Uri(_gateway.Address, "scalar/").ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
        await apiPage.CloseAsync();

        string[] all;
        lock (_requests) lock (apiRequests) all = [.. _requests, .. apiRequests];
        var origin = _gateway.Address.GetLeftPart(UriPartial.Authority);
        Assert.That(all, Is.Not.Empty);
        Assert.That(all.Where(url => !url.StartsWith(origin, StringComparison.Ordinal) && !url.StartsWith("data:", StringComparison.Ordinal)
                                     && !url.StartsWith("blob:", StringComparison.Ordinal)), Is.Empty);
        Assert.That(apiRequests, Has.Some.EndsWith("/scalar/scalar.js"));
    }
}
