using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inference.Models.Onnx;

/// <summary>A model's <c>manifest.json</c>: what it is, which files it needs and their sha256, its inputs and outputs, how to featurize and decode.</summary>
public sealed class ModelManifest
{
    public const string FileName = "manifest.json";

    ModelManifest(string directory, JsonObject json)
    {
        Directory = directory;
        Json = json;
        Name = String(json, "name");
        Version = String(json, "version");
        Task = String(json, "task");
        Sha256 = String(json, "sha256");
        ModelFile = json["onnx"]?["file"]?.GetValue<string>() ?? "model.onnx";
        Inputs = Specs(json, "inputs");
        Outputs = Specs(json, "outputs");
    }

    /// <summary>The folder the manifest was read from.</summary>
    public string Directory { get; }

    /// <summary>The whole manifest, for the parts each kind of model reads itself.</summary>
    public JsonObject Json { get; }

    public string Name { get; }

    public string Version { get; }

    /// <summary><c>classification</c>, <c>token-tagging</c>, <c>mpn-plausibility</c>.</summary>
    public string Task { get; }

    /// <summary>sha256 of the ONNX file.</summary>
    public string Sha256 { get; }

    public string ModelFile { get; }

    public IReadOnlyList<TensorSpec> Inputs { get; }

    public IReadOnlyList<TensorSpec> Outputs { get; }

    public JsonNode Featurizer => Json["featurizer"] ?? throw Invalid("has no 'featurizer'");

    public string PathOf(string file) => Path.Combine(Directory, file);

    public static ModelManifest Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
        if (!System.IO.File.Exists(path)) throw new ModelLoadException(name, path, "missing (every model folder needs its manifest)");
        try
        {
            var json = JsonNode.Parse(System.IO.File.ReadAllText(path)) as JsonObject
                       ?? throw new ModelLoadException(name, path, "is not a JSON object");
            return new ModelManifest(directory, json);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new ModelLoadException(name, path, $"cannot be read: {e.Message}");
        }
    }

    /// <summary>Every manifest in the folders below <paramref name="root"/>.</summary>
    public static IReadOnlyList<ModelManifest> ReadAll(string root) =>
        System.IO.Directory.Exists(root)
            ? System.IO.Directory.GetDirectories(root).Order(StringComparer.Ordinal)
                .Where(d => System.IO.File.Exists(Path.Combine(d, FileName))).Select(Read).ToArray()
            : throw new ModelLoadException("*", root, "the models folder is missing (Models:Directory; the services copy models/artifacts next to their dll)");

    public ModelLoadException Invalid(string problem) => new(Name, PathOf(FileName), problem);

    /// <summary>The manifest's <c>labels</c>, in order (a classifier's output columns).</summary>
    public string[] Labels() =>
        (Json["labels"] as JsonArray ?? throw Invalid("has no 'labels'")).Select(l => l!.GetValue<string>()).ToArray();

    /// <summary>A required value, with a clear error naming the key when it is absent or of the wrong kind.</summary>
    public T Get<T>(JsonNode? node, string what)
    {
        try
        {
            return node is null ? throw Invalid($"has no '{what}'") : node.GetValue<T>();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw Invalid($"'{what}' is not a {typeof(T).Name}: {e.Message}");
        }
    }

    static string String(JsonObject json, string key) =>
        json[key]?.GetValue<string>() ?? throw new InvalidOperationException($"the manifest has no '{key}'");

    static IReadOnlyList<TensorSpec> Specs(JsonObject json, string key) =>
        (json[key] as JsonArray ?? throw new InvalidOperationException($"the manifest has no '{key}'"))
        .Select(s => new TensorSpec(
            s!["name"]!.GetValue<string>(),
            s["type"]!.GetValue<string>(),
            s["shape"]!.AsArray().Select(d => d!.GetValueKind() == JsonValueKind.Number ? d.GetValue<int>().ToString() : d.GetValue<string>()).ToArray()))
        .ToArray();
}
