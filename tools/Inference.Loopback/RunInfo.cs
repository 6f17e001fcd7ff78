using System.Diagnostics;
using StackExchange.Redis;

namespace Inference.Loopback;

/// <summary>What a results page says about the run: the commit it ran, the machine it ran on; and the cleaning up after it.</summary>
public static class RunInfo
{
    public static string Commit(string root)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", ["-C", root, "rev-parse", "--short", "HEAD"]) { RedirectStandardOutput = true })!;
            var commit = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return commit;
        }
        catch (System.ComponentModel.Win32Exception) { return "unknown"; }
    }

    public static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return $"{Environment.ProcessorCount} cores ({cpu ?? "unknown CPU"}), {memory:N0} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
    }

    /// <summary>Deletes every key a run wrote under its own prefix.</summary>
    public static async Task DeleteRedisKeysAsync(string redis, string prefix)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        foreach (var endPoint in connection.GetEndPoints())
        {
            var keys = new List<RedisKey>();
            await foreach (var key in connection.GetServer(endPoint).KeysAsync(pattern: prefix + "*", pageSize: 1000)) keys.Add(key);
            foreach (var chunk in keys.Chunk(1000)) await connection.GetDatabase().KeyDeleteAsync(chunk);
        }
    }
}
