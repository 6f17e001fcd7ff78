using System.Text.Json;

namespace Inference.Loopback;

/// <summary>One product to publish: its id in its source, the source, the text.</summary>
public sealed record DevProduct(string Id, string Source, string Text);

/// <summary>Products of a JSON Lines file (the dev data), for runs that publish many: the benchmark, the fault-injection run.</summary>
public static class DevProducts
{
    /// <summary>
    /// <paramref name="count"/> products of <paramref name="path"/>; a file shorter than that is used again, each pass under new
    /// ids, so every product is a new saga. <paramref name="suffix"/> sets one run's ids apart from another's.
    /// </summary>
    public static DevProduct[] Read(string path, int count, string suffix = "")
    {
        var records = File.ReadLines(path)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(r => r.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            .Select(r => new DevProduct(r.GetProperty("id").GetString()!, r.TryGetProperty("source", out var s) ? s.GetString()! : "bench", r.GetProperty("text").GetString()!))
            .ToArray();
        var run = new DevProduct[count];
        for (var i = 0; i < count; i++)
        {
            var record = records[i % records.Length];
            run[i] = record with { Id = (i < records.Length ? record.Id : $"{record.Id}#{i / records.Length}") + suffix };
        }

        return run;
    }
}
