using System.Text.Json;
using Spectre.Console;

namespace Inference.Cli.Operations;

/// <summary>
/// <c>inference reprocess</c>: starts a re-enrichment job on a running deployment's Gateway (stored products whose stage model
/// is below a version, of a category, a source, stored before a time) and follows its progress until it ends.
/// </summary>
public sealed class ReprocessCommand(GatewayClient gateway, IAnsiConsole console, IAnsiConsole errors)
{
    public async Task<int> ExecuteAsync(ReprocessOptions request, bool wait, bool json, CancellationToken cancellationToken)
    {
        try
        {
            var job = await gateway.PostAsync("v1/reprocess", request, cancellationToken);
            var id = job.GetProperty("id").GetString()!;
            if (!json) console.MarkupLineInterpolated($"job {id} started at {job.GetProperty("rate").GetDouble():N1} products/s");
            while (wait && job.GetProperty("state").GetString() is "Running" or "Waiting")
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                job = await gateway.GetAsync($"v1/reprocess/{id}", cancellationToken);
                if (!json)
                    errors.MarkupLineInterpolated(
                        $"{job.GetProperty("state").GetString()}: {Count(job, "scanned")} looked at, {Count(job, "matched")} matched, {Count(job, "sent")} sent");
            }

            if (json) console.Profile.Out.Writer.WriteLine(job.GetRawText());
            else
                console.MarkupLineInterpolated(
                    $"job {id} {job.GetProperty("state").GetString()}: {Count(job, "scanned")} stored products looked at, {Count(job, "matched")} matched, {Count(job, "sent")} sent");
            if (job.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
            {
                errors.MarkupLineInterpolated($"[red]error:[/] {error.GetString()}");
                return 1;
            }

            return 0;
        }
        catch (GatewayException e)
        {
            errors.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 1;
        }
    }

    static string Count(JsonElement job, string name) => job.GetProperty(name).GetInt64().ToString("N0");
}

/// <summary>The filter and pace of <c>inference reprocess</c>, as <c>POST /v1/reprocess</c> takes them.</summary>
public sealed record ReprocessOptions(
    string? Stage, string? Below, string? Category, string? Source, DateTimeOffset? StoredBefore, double? Rate, int? Limit, bool DryRun);
