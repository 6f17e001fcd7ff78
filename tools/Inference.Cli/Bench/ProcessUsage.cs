namespace Inference.Cli.Bench;

/// <summary>CPU time and memory of a process (and, for PostgreSQL, its backends), read from <c>/proc</c>.</summary>
public sealed class ProcessUsage(string name, Func<IReadOnlyList<int>> pids)
{
    static readonly double TicksPerSecond = 100; // USER_HZ: 100 on Linux x86-64

    double _cpuAtStart;
    long _peakRssBytes;

    public string Name { get; } = name;

    public double CpuSeconds { get; private set; }

    public long PeakRssBytes => _peakRssBytes;

    public void Start() => _cpuAtStart = TotalCpuSeconds();

    /// <summary>Takes one sample: CPU since <see cref="Start"/>, and the largest resident size seen so far (summed over the processes).</summary>
    public void Sample()
    {
        CpuSeconds = Math.Max(CpuSeconds, TotalCpuSeconds() - _cpuAtStart);
        var rss = pids().Sum(ResidentBytes);
        if (rss > _peakRssBytes) _peakRssBytes = rss;
    }

    /// <summary>CPU seconds the process has used since it started (summed over the processes).</summary>
    public double TotalCpuSeconds() => pids().Sum(CpuSecondsOf);

    static double CpuSecondsOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // Fields after the command: state(0) … utime(11) stime(12) cutime(13) cstime(14).
            return (long.Parse(fields[11]) + long.Parse(fields[12])) / TicksPerSecond;
        }
        catch (IOException) { return 0; }
    }

    static long ResidentBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
            }
        }
        catch (IOException) { }

        return 0;
    }

    /// <summary>The process whose pid a pid file holds (first line), if it runs.</summary>
    public static Func<IReadOnlyList<int>> FromPidFile(string path) => () =>
        File.Exists(path) && int.TryParse(File.ReadLines(path).FirstOrDefault()?.Trim(), out var pid) && Directory.Exists($"/proc/{pid}")
            ? [pid]
            : [];

    /// <summary>A process and every process whose parent it is (PostgreSQL's backends).</summary>
    public static Func<IReadOnlyList<int>> WithChildren(Func<IReadOnlyList<int>> parent) => () =>
    {
        var roots = parent();
        if (roots.Count == 0) return roots;
        var children = Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && roots.Contains(ParentOf(pid)));
        return [.. roots, .. children];
    };

    static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
        }
        catch (Exception e) when (e is IOException or FormatException) { return 0; }
    }
}
