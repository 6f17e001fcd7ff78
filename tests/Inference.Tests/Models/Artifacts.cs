using System.Text.Json;
using Inference.Loopback;
using Inference.Models;
using Inference.Models.Onnx;

namespace Inference.Tests.Models;

/// <summary>The shipped model folders (<c>models/artifacts</c> of the repository) and their test vectors.</summary>
static class Artifacts
{
    public static readonly string Root = Path.Combine(SolutionLayout.FindRoot(TestContext.CurrentContext.TestDirectory), "models", "artifacts");

    /// <summary>One registry for the tests that use the shipped folders; refusal tests make their own.</summary>
    public static readonly OnnxModelRegistry Registry = new();

    public static readonly ModelOptions Options = new() { Directory = Root };

    public static string[] Names =>
        Directory.GetDirectories(Root).Where(d => File.Exists(Path.Combine(d, ModelManifest.FileName))).Select(Path.GetFileName).Order().ToArray()!;

    public static string[] Extractors => Names.Where(n => ModelManifest.Read(Path.Combine(Root, n)).Task == OnnxAttributeExtractor.Task).ToArray();

    public static LoadedModel Load(string name) => Registry.Load(Path.Combine(Root, name));

    public static IEnumerable<JsonElement> Vectors(string name) =>
        File.ReadLines(Path.Combine(Root, name, "testvectors.jsonl")).Select(l => JsonDocument.Parse(l).RootElement);

    /// <summary>A copy of a model folder in a temporary folder, to break on purpose.</summary>
    public static string CopyToTemp(string name)
    {
        var target = Directory.CreateTempSubdirectory("inference-model-").FullName;
        var folder = Path.Combine(target, name);
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(Path.Combine(Root, name)).Where(f => !f.EndsWith("testvectors.jsonl")))
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        return folder;
    }
}
