using System.Diagnostics;

namespace Inference.Loopback;

/// <summary>Runs the scripts of <c>scripts/infra</c> (start, stop) that manage the loopback servers.</summary>
public static class InfraScripts
{
    /// <summary>Runs <c>scripts/infra/<paramref name="script"/></c> with <paramref name="arguments"/> (server names); fails with its output when it fails.</summary>
    public static async Task RunAsync(SolutionLayout layout, string script, params string[] arguments)
    {
        var path = Path.Combine(layout.Root, "scripts", "infra", script);
        using var process = Process.Start(new ProcessStartInfo("bash", [path, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{path} {string.Join(' ', arguments)} failed with {process.ExitCode}:\n{await output}{await errors}");
    }
}
