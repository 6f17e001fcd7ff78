using Inference.Cli.Distributed;
using Spectre.Console;

namespace Inference.Cli;

/// <summary>
/// <c>inference stack</c>: the distributed pipeline on this machine: every service its own process, on the RabbitMQ, Redis
/// and PostgreSQL that <c>scripts/infra/start.sh</c> runs on loopback, until Ctrl-C.
/// </summary>
public sealed class StackCommand(string configuration, string logDirectory, IAnsiConsole console)
{
    /// <summary>One process per extractor, as the Helm chart and docker-compose.yml deploy them.</summary>
    static readonly string[][] Extractors = [["computers-accessories"], ["office-products"], ["home-garden"], ["jewelry-watches"], ["generic"]];

    public async Task<int> ExecuteAsync(CancellationToken cancellationToken)
    {
        var layout = new SolutionLayout(SolutionLayout.FindRoot(AppContext.BaseDirectory), configuration);
        var settings = LoopbackServers.FromEnvironment().ServiceSettings();
        console.MarkupLineInterpolated($"starting the services from {layout.Root} ({configuration} build); logs in {logDirectory}");

        await using var pipeline = await DistributedPipeline.StartAsync(
            layout, settings, Extractors, logDirectory, TimeSpan.FromSeconds(90), withGateway: true);
        var table = new Table().AddColumns("service", "pid", "address", "log");
        foreach (var service in pipeline.Services)
            table.AddRow(service.Name, service.Id.ToString(), service.Address.ToString(), service.LogPath);
        console.Write(table);
        console.MarkupLine("every service is ready; Ctrl-C stops them");

        try { await Task.Delay(Timeout.Infinite, cancellationToken); }
        catch (OperationCanceledException) { }
        console.MarkupLine("stopping");
        return 0;
    }
}
