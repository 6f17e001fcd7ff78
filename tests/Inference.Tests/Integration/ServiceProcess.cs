using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Inference.Tests.Integration;

/// <summary>One service of the solution running as its own process, from its own build output, configured by environment.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    readonly Process _process;
    readonly StreamWriter _log;

    ServiceProcess(string name, Process process, StreamWriter log, Uri address, string logPath)
    {
        Name = name;
        _process = process;
        _log = log;
        Address = address;
        LogPath = logPath;
    }

    public string Name { get; }
    public Uri Address { get; }
    public string LogPath { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>services/&lt;service&gt;</c>'s build output on a free loopback port.</summary>
    public static ServiceProcess Start(string service, string name, IDictionary<string, string?> environment, string logDirectory)
    {
        var directory = BuildOutput(service);
        var port = FreePort();
        var address = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo("dotnet", [Path.Combine(directory, $"Inference.{service}.dll"), "--urls", address.ToString()])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in environment) start.Environment[key] = value;

        var logPath = Path.Combine(logDirectory, $"{name}.log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServiceProcess(name, process, log, address, logPath);
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200 (bus connected, dependencies up).</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}; its log:\n{Tail()}");
            try
            {
                using var response = await Http.GetAsync(new Uri(Address, "health/ready"));
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(250);
        }

        throw new TimeoutException($"{Name} was not ready within {timeout.TotalSeconds:0} s; its log:\n{Tail()}");
    }

    public string Tail(int lines = 40)
    {
        lock (_log)
        {
            _log.Flush();
            using var reader = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return string.Join('\n', new StreamReader(reader).ReadToEnd().Split('\n').TakeLast(lines));
        }
    }

    /// <summary>Stops the process the way an orchestrator would: SIGTERM, then a kill if it does not go.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await term.WaitForExitAsync();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try { await _process.WaitForExitAsync(wait.Token); }
            catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
        }

        _process.Dispose();
        lock (_log) _log.Dispose();
    }

    /// <summary>The service's own build output, next to this test assembly's configuration (Debug or Release).</summary>
    static string BuildOutput(string service)
    {
        var testDirectory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        var runtime = testDirectory.Name;                // linux-x64
        var framework = testDirectory.Parent!.Name;      // net10.0
        var configuration = testDirectory.Parent.Parent!.Name;
        var directory = Path.Combine(RepositoryRoot(), "services", service, "bin", configuration, framework, runtime);
        return File.Exists(Path.Combine(directory, $"Inference.{service}.dll"))
            ? directory
            : throw new FileNotFoundException($"build services/{service} first: no Inference.{service}.dll in {directory}");
    }

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Inference.sln"))) return directory.FullName;
        }

        throw new DirectoryNotFoundException("Inference.sln not found above the test directory");
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
