using System.Diagnostics;
using System.Text.Json;
using Inference.Sagas;

namespace Inference.Tests.Gateway.Live;

/// <summary>
/// <c>samples/publish_products.py</c>, Python with Debian's pika and no MassTransit, publishes products in each form the bus door
/// reads (raw JSON and MassTransit's envelope) onto the real broker: every product completes, under the ids the pipeline itself gives.
/// </summary>
[Category("Integration")]
public sealed class When_a_python_producer_publishes
{
    const int Products = 25;
    static readonly string Root = SolutionLayout.FindRoot(TestContext.CurrentContext.TestDirectory);

    HttpClient Client => LivePipeline.Client;

    [TestCase("raw")]
    [TestCase("envelope")]
    public async Task Should_complete_every_product_it_publishes(string form)
    {
        var source = $"pika-{form}-{Guid.NewGuid():N}";
        var input = WriteProducts(source);
        var (exit, output, errors) = await PublishAsync(LivePipeline.VirtualHost.Name, form, input);

        Assert.That(exit, Is.EqualTo(0), errors);
        Assert.That(errors, Does.Contain($"published {Products} product(s) as {form}"));
        var ids = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse).ToArray();
        var expected = File.ReadLines(input).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()!).Select(id => ProductIds.For(source, id));
        Assert.That(ids, Is.EqualTo(expected), "the pipeline's own ids (ProductIds.For), computed in Python");
        foreach (var id in ids)
        {
            var state = await Http.UntilFinishedAsync(Client, id);
            Assert.That(state.GetProperty("state").GetString(), Is.EqualTo("Completed"), state.ToString());
            Assert.That(state.GetProperty("source").GetString(), Is.EqualTo(source));
        }
    }

    [Test]
    public async Task Should_fail_loudly_when_nothing_listens()
    {
        // A virtual host where no Orchestrator ever ran: the exchange does not exist, and the sample says so instead of losing the product.
        await using var empty = await RabbitMqVirtualHost.CreateAsync("pika-empty");
        var (exit, output, errors) = await PublishAsync(empty.Name, "raw", WriteProducts("pika-nowhere"));
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(output, Is.Empty);
        Assert.That(errors, Does.Contain("404").And.Contain("NOT_FOUND"));
    }

    static string WriteProducts(string source)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{source}.jsonl");
        var lines = File.ReadLines(Path.Combine(Root, "samples", "products.jsonl")).Take(Products)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Select(r => JsonSerializer.Serialize(new { id = r.GetProperty("id").GetString(), source, text = r.GetProperty("text").GetString() }));
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>Runs the sample with Debian's Python (the one python3-pika installs into), as a Python developer would.</summary>
    static async Task<(int Exit, string Output, string Errors)> PublishAsync(string virtualHost, string form, string input)
    {
        var rabbit = LivePipeline.VirtualHost.Servers;
        var url = $"amqp://{rabbit.RabbitMqUsername}:{rabbit.RabbitMqPassword}@{rabbit.RabbitMq.Host}:{rabbit.RabbitMq.Port}/{Uri.EscapeDataString(virtualHost)}";
        var start = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(Root, "samples", "publish_products.py"), "--url", url, "--form", form, input])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var python = Process.Start(start)!;
        var output = python.StandardOutput.ReadToEndAsync();
        var errors = python.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await python.WaitForExitAsync(timeout.Token);
        return (python.ExitCode, await output, await errors);
    }
}
