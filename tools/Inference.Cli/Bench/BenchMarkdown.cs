using System.Text;

namespace Inference.Cli.Bench;

/// <summary>A benchmark run as a Markdown page for <c>bench/results/</c>.</summary>
public static class BenchMarkdown
{
    public static string Render(BenchResult r)
    {
        var md = new StringBuilder();
        md.AppendLine($"# inference bench — models {r.Models}, {r.Products:N0} products{(r.Rate is { } rate ? $" at {rate:N0}/s" : ", flooded")}");
        md.AppendLine();
        md.AppendLine($"- command: `{r.Command}`");
        md.AppendLine($"- commit: `{r.Commit}`, started {r.StartedAt:u}");
        md.AppendLine($"- machine: {r.Machine}; every service, RabbitMQ, Redis and PostgreSQL on it");
        md.AppendLine(r.WarmUp == 0
            ? "- measured from the first product, without a warm-up"
            : $"- measured after a warm-up of {r.WarmUp:N0} products{(r.Rate is null ? "" : " at the same rate")} (every process compiles its hot paths first), "
              + (r.IdleAfterWarmUpSeconds is { } idle ? $"once every process had gone idle ({idle:N0} s after it)" : "although the processes had not gone idle a minute after it"));
        md.AppendLine();
        md.AppendLine("| figure | value |");
        md.AppendLine("| --- | --- |");
        md.AppendLine($"| stored | {r.Stored:N0} of {r.Products:N0} |");
        md.AppendLine($"| throughput, first publish → last store | {r.ProductsPerSecond:N0} products/s ({r.Seconds:N1} s) |");
        md.AppendLine($"| latency received → stored, p50 / p95 / p99 | {r.LatencyP50Ms:N0} / {r.LatencyP95Ms:N0} / {r.LatencyP99Ms:N0} ms |");
        if (r.LimitProductsPerSecond is { } limit)
            md.AppendLine($"| model limit (one core doing only model work) | {limit:N0} products/s; the pipeline reached {r.ShareOfLimit:P0} of it |");
        if (r.StartCpuSeconds is { } startCpu) md.AppendLine($"| start: every service's CPU from launch until ready | {startCpu:N1} s |");
        foreach (var w in r.FirstSeconds ?? [])
            md.AppendLine($"| arrived {w.FromSecond}–{w.FromSecond + LatencyWindow.Seconds} s: p50 / p99 | {w.P50Ms:N0} / {w.P99Ms:N0} ms ({w.Products:N0} products) |");
        md.AppendLine();
        md.AppendLine("| process | CPU s per 1,000 products | peak RSS MB |");
        md.AppendLine("| --- | ---: | ---: |");
        foreach (var p in r.Processes) md.AppendLine($"| {p.Name} | {p.CpuSecondsPer1000:N2} | {p.PeakRssMb:N0} |");
        if (r.ModelLimits.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("| model | batch | items/s (one thread, this process) |");
            md.AppendLine("| --- | ---: | ---: |");
            foreach (var m in r.ModelLimits) md.AppendLine($"| {m.Model} | {m.BatchSize} | {m.ItemsPerSecond:N0} |");
        }

        return md.ToString();
    }
}
