using Inference.Cli.Operations;
using Inference.Contracts;
using Spectre.Console.Testing;

namespace Inference.Tests.Gateway.Live;

/// <summary>
/// <c>inference retry</c> and <c>inference reprocess</c> against a running deployment: a Gateway on a loopback port, called with
/// its address and key as an operator would, on the live pipeline.
/// </summary>
[Category("Integration")]
public sealed class When_operators_use_the_cli_against_a_deployment
{
    readonly Guid _faulted = Guid.NewGuid();
    GatewayFactory _gateway = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _gateway = new GatewayFactory(LivePipeline.GatewaySettings(), LivePipeline.Pipeline).ServeOnLoopback();
        using var api = new HttpClient { BaseAddress = _gateway.Address };
        await Http.UntilReadyAsync(api);
        // A text the database refuses (a check constraint): it faults at the store, and again when retried.
        await LivePipeline.RefuseMarkedTextsAsync();
        await LivePipeline.Pipeline.Bus.Publish(new ProductTextReceived(_faulted, "cli", null, $"Koss EQ50 {LivePipeline.RefusedMarker}", DateTimeOffset.UtcNow));
        await Http.UntilFinishedAsync(api, _faulted);
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _gateway.DisposeAsync();

    /// <summary>A terminal wide enough that no id is wrapped.</summary>
    static TestConsole Wide()
    {
        var console = new TestConsole();
        console.Profile.Width = 250;
        return console;
    }

    async Task<(int Code, string Out, string Err)> RetryAsync(IReadOnlyList<Guid> ids, RetryOptions filter, string? key = GatewayFactory.Key)
    {
        using var gateway = new GatewayClient(_gateway.Address, key);
        using var stdout = Wide();
        using var stderr = Wide();
        var code = await new RetryCommand(gateway, stdout, stderr).ExecuteAsync(ids, filter, json: false, CancellationToken.None);
        return (code, stdout.Output, stderr.Output);
    }

    [Test]
    public async Task Should_list_the_faulted_products_a_filter_matches_on_a_dry_run()
    {
        var (code, output, _) = await RetryAsync([], new RetryOptions("store", "refuses_marked_text", null, null, null, DryRun: true));
        Assert.That(code, Is.Zero);
        Assert.That(output, Does.Contain(_faulted.ToString()).And.Contain("would be retried (dry run)"));
    }

    [Test]
    public async Task Should_retry_a_product_by_id()
    {
        var (code, output, _) = await RetryAsync([_faulted], new RetryOptions(null, null, null, null, null, false));
        Assert.That(code, Is.Zero);
        Assert.That(output, Does.Contain(_faulted.ToString()).And.Contain("sent to run again"));
    }

    [Test]
    public async Task Should_say_when_the_key_is_refused()
    {
        var (code, _, errors) = await RetryAsync([_faulted], new RetryOptions(null, null, null, null, null, false), key: "not-a-key-of-this-gateway");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain("refused the API key"));
    }

    [Test]
    public async Task Should_run_a_reprocess_job_to_its_end()
    {
        using var gateway = new GatewayClient(_gateway.Address, GatewayFactory.Key);
        using var stdout = Wide();
        using var stderr = Wide();
        var code = await new ReprocessCommand(gateway, stdout, stderr).ExecuteAsync(
            new ReprocessOptions("classify", "0.0.1", null, $"no-such-source-{Guid.NewGuid():N}", null, 100, null, DryRun: true), wait: true, json: false,
            CancellationToken.None);
        Assert.That(code, Is.Zero, stderr.Output);
        Assert.That(stdout.Output, Does.Contain("Done: 0 stored products looked at, 0 matched, 0 sent"));
    }
}
