using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Inference.Loopback;

/// <summary>
/// One service of the solution running as its own process, from its own build output, configured by environment, and
/// supervised as an orchestrator would: a process that exits is started again with backoff (1 s doubling to 30 s), and
/// each restart is written to its log and told to <see cref="Restarted"/>. Each start binds a free loopback port of the
/// kernel's choosing (port 0) and learns it from the host's "Now listening on" line, so no port can be taken in between.
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    readonly string _assembly;
    readonly IDictionary<string, string?> _environment;
    readonly StreamWriter _log;
    readonly CancellationTokenSource _stopping = new();
    readonly object _gate = new();
    Process _process = null!;
    TaskCompletionSource<Uri> _listening = null!;
    Task _supervisor = Task.CompletedTask;

    ServiceProcess(string name, string assembly, IDictionary<string, string?> environment, string logPath)
    {
        Name = name;
        _assembly = assembly;
        _environment = environment;
        LogPath = logPath;
        _log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
    }

    public string Name { get; }
    public string LogPath { get; }

    /// <summary>Where the current process answers HTTP (health, metrics, the Gateway's API); null until it listens.</summary>
    public Uri? Address => _listening.Task.IsCompletedSuccessfully ? _listening.Task.Result : null;

    public int Id { get { lock (_gate) return _process.Id; } }
    public bool HasExited { get { lock (_gate) return _process.HasExited; } }

    /// <summary>How many times the process was started again after it exited.</summary>
    public int Restarts { get; private set; }

    /// <summary>Called after each restart: the service, the exit code of the process that ended, and the restart's number.</summary>
    public event Action<ServiceProcess, int, int>? Restarted;

    /// <summary>Starts <paramref name="assembly"/> (a service's build output) and supervises it until disposed.</summary>
    public static ServiceProcess Start(string name, string assembly, IDictionary<string, string?> environment, string logDirectory)
    {
        if (!File.Exists(assembly)) throw new FileNotFoundException($"{name}: {assembly} does not exist; build the solution first");
        Directory.CreateDirectory(logDirectory);
        var service = new ServiceProcess(name, assembly, environment, Path.Combine(logDirectory, $"{name}.log"));
        service.Launch();
        service._supervisor = Task.Run(service.SuperviseAsync);
        return service;
    }

    /// <summary>SIGKILL, as a node failure or the OOM killer would: no shutdown, nothing flushed, nothing acknowledged.</summary>
    public void Kill()
    {
        lock (_gate)
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200 (bus connected, dependencies up); a process that exits meanwhile fails the wait with its log.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var restarts = Restarts;
        while (DateTime.UtcNow < deadline)
        {
            if (HasExited || Restarts != restarts)
                throw new InvalidOperationException($"{Name} exited before it was ready; its log:\n{Tail()}");
            if (Address is { } address)
            {
                try
                {
                    using var response = await Http.GetAsync(new Uri(address, "health/ready"));
                    if (response.IsSuccessStatusCode) return;
                }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{Name} was not ready within {timeout.TotalSeconds:0} s; its log:\n{Tail()}");
    }

    /// <summary>The last lines the process wrote, for a failure message.</summary>
    public string Tail(int lines = 40)
    {
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return string.Join('\n', new StreamReader(stream).ReadToEnd().Split('\n').TakeLast(lines));
    }

    /// <summary>Stops supervising and stops the process the way an orchestrator would: SIGTERM, then a kill if it does not go within 15 s.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        Process process;
        lock (_gate) process = _process;
        if (!process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString()])) await term.WaitForExitAsync();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try { await process.WaitForExitAsync(wait.Token); }
            catch (OperationCanceledException) { process.Kill(entireProcessTree: true); }
        }

        await _supervisor;
        process.Dispose();
        lock (_log) _log.Dispose();
    }

    void Launch()
    {
        var start = new ProcessStartInfo("dotnet", [_assembly, "--urls", "http://127.0.0.1:0"])
        {
            WorkingDirectory = Path.GetDirectoryName(_assembly)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        // Each line with its time, so a log can be read beside the other services' and a fault's moment.
        start.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
        start.Environment["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true";
        foreach (var (key, value) in _environment) start.Environment[key] = value;

        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Read(e.Data, listening);
        process.ErrorDataReceived += (_, e) => Read(e.Data, listening);
        lock (_gate)
        {
            _listening = listening;
            process.Start();
            _process = process;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    async Task SuperviseAsync()
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (true)
        {
            Process process;
            lock (_gate) process = _process;
            var started = DateTime.UtcNow;
            try { await process.WaitForExitAsync(_stopping.Token); }
            catch (OperationCanceledException) { return; }

            if (DateTime.UtcNow - started > TimeSpan.FromMinutes(1)) backoff = TimeSpan.FromSeconds(1);
            var exitCode = process.ExitCode;
            Write($"[supervisor] {Name} (pid {process.Id}) exited with code {exitCode}; starting it again in {backoff.TotalSeconds:0} s");
            try { await Task.Delay(backoff, _stopping.Token); }
            catch (OperationCanceledException) { return; }

            backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
            Launch();
            process.Dispose();
            Restarts++;
            Write($"[supervisor] {Name} started again (pid {Id}), restart {Restarts}");
            Restarted?.Invoke(this, exitCode, Restarts);
        }
    }

    void Read(string? line, TaskCompletionSource<Uri> listening)
    {
        if (line is null) return;
        Write(line);
        if (!listening.Task.IsCompleted && ListeningLine().Match(line) is { Success: true } match)
            listening.TrySetResult(new Uri(match.Groups[1].Value.TrimEnd('/') + "/"));
    }

    void Write(string line)
    {
        if (line.StartsWith("[supervisor]", StringComparison.Ordinal)) line = $"{DateTime.UtcNow:HH:mm:ss.fff} {line}";
        lock (_log)
        {
            if (_log.BaseStream.CanWrite) _log.WriteLine(line);
        }
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
