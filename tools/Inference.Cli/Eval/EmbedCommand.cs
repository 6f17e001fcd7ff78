using System.Diagnostics;
using System.Text.Json;
using Inference.Models.Onnx;
using Spectre.Console;

namespace Inference.Cli.Eval;

/// <summary>
/// <c>inference embed</c>: the sentence encoder's embedding of every line's <c>text</c>, as ONNX Runtime computes it, written as
/// float32 rows (little-endian, one row per line, in order) for the deep classifier's training (<c>models/build.sh</c>).
/// </summary>
public sealed class EmbedCommand(string model, string records, string output, IAnsiConsole console)
{
    public int Execute()
    {
        using var registry = new OnnxModelRegistry();
        var encoder = new SentenceEncoder(registry.Load(Path.GetFullPath(model)));
        var texts = File.ReadLines(records).Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString() ?? "").ToArray();
        var clock = Stopwatch.StartNew();
        using var stream = File.Create(output);
        using var writer = new BinaryWriter(stream);
        foreach (var chunk in texts.Chunk(4096))
        {
            foreach (var row in encoder.Embed(chunk))
            foreach (var value in row)
                writer.Write(value);
        }

        console.MarkupLineInterpolated($"{texts.Length:N0} texts × {encoder.Dimension} → {output} in {clock.Elapsed.TotalSeconds:0.0} s");
        return 0;
    }
}
