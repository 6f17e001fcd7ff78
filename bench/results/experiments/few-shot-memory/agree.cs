// Run from the repository root: dotnet run -c Release --project bench/results/experiments/few-shot-memory/agree.csproj -- BEFORE_MODELS AFTER_MODELS 12000
// Two deep-classifier artifacts folders on the same dev titles: how often the deciding category differs, and by how much the confidence moves.
using System.Text.Json;
using Inference.Models;
using Inference.Models.Onnx;
var a = OnnxModels.DeepClassifier(new ModelOptions { Directory = args[0] });
var b = OnnxModels.DeepClassifier(new ModelOptions { Directory = args[1] });
var n = int.Parse(args[2]);
var titles = File.ReadLines("../shared/data/dev.jsonl").Select(l => JsonDocument.Parse(l).RootElement.GetProperty("title").GetString() ?? "").Take(n).ToArray();
int differ = 0; double maxd = 0, sumd = 0;
for (var i = 0; i < titles.Length; i += 32)
{
    var batch = titles.Skip(i).Take(32).ToArray();
    var pa = a.Classify(batch); var pb = b.Classify(batch);
    for (var j = 0; j < batch.Length; j++)
    {
        if (pa[j].Category != pb[j].Category) { differ++; Console.WriteLine($"differs: {batch[j]} | {pa[j].Category} {pa[j].Confidence:F4} | {pb[j].Category} {pb[j].Confidence:F4}"); }
        var d = Math.Abs(pa[j].Confidence - pb[j].Confidence); maxd = Math.Max(maxd, d); sumd += d;
    }
}
Console.WriteLine($"titles {titles.Length}, deciding category differs {differ}, confidence |diff| mean {sumd / titles.Length:F5} max {maxd:F5}");
