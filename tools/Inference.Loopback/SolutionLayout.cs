using Inference.Sagas;
using Microsoft.Extensions.Configuration;

namespace Inference.Loopback;

/// <summary>Where the solution and each service's build output are, found from a folder inside the repository.</summary>
public sealed class SolutionLayout(string root, string configuration)
{
    public string Root { get; } = root;

    public string Configuration { get; } = configuration;

    /// <summary>The folder above <paramref name="start"/> that holds Inference.sln.</summary>
    public static string FindRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Inference.sln"))) return directory.FullName;
        }

        throw new DirectoryNotFoundException($"Inference.sln not found above {start}");
    }

    /// <summary><c>services/&lt;service&gt;/bin/&lt;configuration&gt;/net10.0/linux-x64/Inference.&lt;service&gt;.dll</c>.</summary>
    public string ServiceAssembly(string service) =>
        Path.Combine(Root, "services", service, "bin", Configuration, "net10.0", "linux-x64", $"Inference.{service}.dll");

    /// <summary>
    /// The extractors the Orchestrator's routing table (its <c>appsettings.json</c>) sends to, each as its own process, as the
    /// Helm chart and docker-compose.yml deploy them.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>> DeployedExtractors()
    {
        var settings = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Root, "services", "Orchestrator", "appsettings.json"), optional: false)
            .Build();
        var routing = settings.GetSection(RoutingOptions.Section).Get<RoutingOptions>() ?? new RoutingOptions();
        return routing.Extractors.Select(e => (IReadOnlyList<string>)[e]).ToArray();
    }
}
