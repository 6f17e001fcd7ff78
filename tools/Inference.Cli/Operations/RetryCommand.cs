using System.Text.Json;
using Spectre.Console;

namespace Inference.Cli.Operations;

/// <summary>
/// <c>inference retry</c>: runs Faulted products of a running deployment again from the stage that failed, by id or by filter
/// (stage, fault reason, fault time), through its Gateway.
/// </summary>
public sealed class RetryCommand(GatewayClient gateway, IAnsiConsole console, IAnsiConsole errors)
{
    /// <param name="ids">Products to retry; none means every Faulted product the filter matches.</param>
    public async Task<int> ExecuteAsync(IReadOnlyList<Guid> ids, RetryOptions filter, bool json, CancellationToken cancellationToken)
    {
        try
        {
            var answers = new List<JsonElement>();
            if (ids.Count > 0)
                foreach (var id in ids) answers.Add(await gateway.PostAsync($"v1/products/{id}/retry", null, cancellationToken));
            else
                answers.Add(await gateway.PostAsync("v1/products/retry", filter, cancellationToken));

            if (json)
            {
                foreach (var answer in answers) console.Profile.Out.Writer.WriteLine(answer.GetRawText());
                return 0;
            }

            var products = ids.Count > 0 ? answers : answers[0].GetProperty("products").EnumerateArray().ToList();
            var table = new Table().AddColumns("product", "failed at", "reason", "attempt");
            foreach (var p in products)
                table.AddRow(p.GetProperty("id").GetString()!, Text(p, "fromStage"), Markup.Escape(Shorten(Text(p, "reason"))), p.GetProperty("attempt").ToString());
            console.Write(table);
            var verb = filter.DryRun ? "would be retried (dry run)" : "sent to run again";
            console.MarkupLineInterpolated($"{products.Count:N0} Faulted product(s) {verb}");
            if (ids.Count == 0 && answers[0].GetProperty("more").GetBoolean())
                console.MarkupLine("[yellow]more Faulted products than one look covers: run the command again for the rest[/]");
            return 0;
        }
        catch (GatewayException e)
        {
            errors.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 1;
        }
    }

    static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    static string Shorten(string text) => text.Length <= 80 ? text : text[..79] + "…";
}

/// <summary>The filter of <c>inference retry</c>, as <c>POST /v1/products/retry</c> takes it.</summary>
public sealed record RetryOptions(string? Stage, string? Reason, DateTimeOffset? FaultedAfter, DateTimeOffset? FaultedBefore, int? Limit, bool DryRun);
