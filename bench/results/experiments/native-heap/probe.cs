// The deep (or, with FAST=1, the fast) classifier alone in a process: resident size after loading and after classifying the first N dev titles in batches of 32.
// Run from the repository root: dotnet run -c Release --project bench/results/experiments/native-heap/probe.csproj -- 3000
using System.Text.Json;
using Inference.Models;
using Inference.Models.Onnx;
static string Rss() { var s = File.ReadAllLines("/proc/self/status"); return string.Join(" ", s.Where(l => l.StartsWith("VmRSS") || l.StartsWith("VmHWM") || l.StartsWith("RssAnon") || l.StartsWith("RssFile")).Select(l => l.Replace("\t", "").Replace("  ", ""))) + $" gc={GC.GetTotalMemory(false) / 1048576}MB"; }
Console.WriteLine("start " + Rss());
var opts = new ModelOptions { Directory = Environment.GetEnvironmentVariable("MODELS") ?? "models/artifacts" };
Func<IReadOnlyList<string>, object> classify;
if (Environment.GetEnvironmentVariable("FAST") == "1") { var c = OnnxModels.Classifier(opts); classify = t => c.Classify(t); }
else { var d = OnnxModels.DeepClassifier(opts); classify = t => d.Classify(t); }
Console.WriteLine("loaded " + Rss());
var titles = File.ReadLines("../shared/data/dev.jsonl").Select(l => JsonDocument.Parse(l).RootElement.GetProperty("title").GetString() ?? "").Take(int.Parse(args[0])).ToArray();
var sw = System.Diagnostics.Stopwatch.StartNew(); var cpu0 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
for (var i = 0; i < titles.Length; i += 32) classify(titles.Skip(i).Take(32).ToArray());
Console.WriteLine($"cpu ms/product {(System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds / titles.Length:F3}");
Console.WriteLine("ran " + Rss());
GC.Collect();
Console.WriteLine("gc " + Rss());
