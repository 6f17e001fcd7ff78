using System.Security.Cryptography;
using Inference.Loopback;
using Spectre.Console;

namespace Inference.Cli;

/// <summary>
/// <c>inference stack</c>: the distributed pipeline on this machine: every service its own supervised process (restarted with
/// backoff when it exits), on the RabbitMQ, Redis and PostgreSQL that <c>scripts/infra/start.sh</c> runs on loopback, until Ctrl-C.
/// </summary>
public sealed class StackCommand(string configuration, string logDirectory, IAnsiConsole console)
{
    public async Task<int> ExecuteAsync(CancellationToken cancellationToken)
    {
        var layout = new SolutionLayout(SolutionLayout.FindRoot(AppContext.BaseDirectory), configuration);
        await InfraScripts.RunAsync(layout, "start.sh");
        var settings = LoopbackServers.Current.ServiceSettings();
        // A development key of this run's own (or the one INFERENCE_API_KEY names, as for compose), so the Gateway takes
        // products at once: it refuses every POST without one.
        var apiKey = Environment.GetEnvironmentVariable("INFERENCE_API_KEY") is { Length: > 0 } chosen
            ? chosen
            : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var gateway = new Dictionary<string, IDictionary<string, string?>> { ["gateway"] = new Dictionary<string, string?> { ["Gateway__ApiKeys__0"] = apiKey } };
        console.MarkupLineInterpolated($"starting the services from {layout.Root} ({configuration} build); logs in {logDirectory}");

        await using var pipeline = await DistributedPipeline.StartAsync(
            layout, settings, layout.DeployedExtractors(), logDirectory, TimeSpan.FromSeconds(90), gateway, withGateway: true);
        foreach (var service in pipeline.Services)
            service.Restarted += (s, exitCode, restart) => console.MarkupLineInterpolated(
                $"[yellow]{s.Name} exited with code {exitCode}; started again (restart {restart}, now at {s.Address?.ToString() ?? "…"})[/]");

        var table = new Table().AddColumns("service", "pid", "address", "log");
        foreach (var service in pipeline.Services)
            table.AddRow(service.Name, service.Id.ToString(), service.Address?.ToString() ?? "", service.LogPath);
        console.Write(table);
        var address = pipeline["gateway"].Address;
        console.MarkupLineInterpolated($"dashboard: {address}");
        console.MarkupLineInterpolated($"API key for this run: {apiKey}");
        console.MarkupLineInterpolated($"  curl -H 'X-Api-Key: {apiKey}' -H 'Content-Type: application/json' -d '{{\"source\":\"demo\",\"text\":\"Koss EQ50 3-band equalizer\"}}' {address}v1/products");
        console.MarkupLine("every service is ready and supervised; Ctrl-C stops them");

        try { await Task.Delay(Timeout.Infinite, cancellationToken); }
        catch (OperationCanceledException) { }
        console.MarkupLine("stopping");
        return 0;
    }
}
