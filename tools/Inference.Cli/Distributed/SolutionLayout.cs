namespace Inference.Cli.Distributed;

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
}
