using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Inference.Models.Onnx.Text;
using Microsoft.ML.OnnxRuntime;

namespace Inference.Models.Onnx;

/// <summary>
/// Loads each model folder once per process: checks every file the manifest names against its sha256 and the manifest's inputs and
/// outputs against the ONNX graph, then keeps one <see cref="InferenceSession"/> for it. A model that fails a check is refused with
/// a <see cref="ModelLoadException"/> naming the model and the file.
/// </summary>
public sealed class OnnxModelRegistry(int intraOpThreads = 1) : IDisposable
{
    /// <summary>The process's registry: every service in a process shares its sessions.</summary>
    public static OnnxModelRegistry Shared { get; } = new();

    readonly ConcurrentDictionary<string, Lazy<LoadedModel>> _models = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, Lazy<UnicodeTables>> _tables = new(StringComparer.Ordinal);

    /// <summary>Threads ONNX Runtime uses inside one call, for sessions created from now on.</summary>
    public int IntraOpThreads { get; set; } = intraOpThreads;

    public LoadedModel Load(string directory)
    {
        var key = Path.GetFullPath(directory);
        var lazy = _models.GetOrAdd(key, k => new Lazy<LoadedModel>(() => Create(k)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _models.TryRemove(KeyValuePair.Create(key, lazy)); // a fixed folder may be loaded again
            throw;
        }
    }

    LoadedModel Create(string directory)
    {
        var manifest = ModelManifest.Read(directory);
        var modelPath = manifest.PathOf(manifest.ModelFile);
        CheckSha256(manifest, modelPath, manifest.Sha256);
        // the featurizer names the side files (the training data also has a file and a sha256, but does not ship)
        foreach (var (file, sha256) in SideFiles(manifest.Featurizer)) CheckSha256(manifest, manifest.PathOf(file), sha256);

        // the project's own featurizers read pinned Unicode tables; a pretrained encoder's WordPiece tokenizer has none
        UnicodeTables? tables = null;
        if (manifest.Featurizer["tokenizer"]?["unicode_tables"] is { } tablesNode)
        {
            var tablesFile = manifest.Get<string>(tablesNode["file"], "featurizer.tokenizer.unicode_tables.file");
            var tablesSha = manifest.Get<string>(tablesNode["sha256"], "featurizer.tokenizer.unicode_tables.sha256");
            tables = _tables.GetOrAdd(tablesSha, _ => new Lazy<UnicodeTables>(() => UnicodeTables.Load(manifest.PathOf(tablesFile)))).Value;
        }

        InferenceSession session;
        using (var options = SessionOptionsFor(IntraOpThreads))
        {
            try
            {
                session = new InferenceSession(modelPath, options);
            }
            catch (OnnxRuntimeException e)
            {
                throw new ModelLoadException(manifest.Name, modelPath, $"ONNX Runtime cannot load it: {e.Message}");
            }
        }

        try
        {
            CheckSpecs(manifest, modelPath, "input", manifest.Inputs, session.InputMetadata);
            CheckSpecs(manifest, modelPath, "output", manifest.Outputs, session.OutputMetadata);
        }
        catch
        {
            session.Dispose();
            throw;
        }

        return new LoadedModel(manifest, session, tables);
    }

    /// <summary>Graph optimisation on, one inter-op thread, no spinning: several services share two cores.</summary>
    public static SessionOptions SessionOptionsFor(int intraOpThreads)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        options.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        return options;
    }

    /// <summary>Every <c>{"file", "sha256"}</c> pair below <paramref name="node"/> (unicode tables, gazetteers, …).</summary>
    public static IEnumerable<(string File, string Sha256)> SideFiles(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["file"] is JsonValue file && obj["sha256"] is JsonValue sha
                    && file.TryGetValue<string>(out var f) && sha.TryGetValue<string>(out var s))
                    yield return (f, s);
                foreach (var (_, child) in obj)
                foreach (var pair in SideFiles(child))
                    yield return pair;
                break;
            case JsonArray array:
                foreach (var child in array)
                foreach (var pair in SideFiles(child))
                    yield return pair;
                break;
        }
    }

    static void CheckSha256(ModelManifest manifest, string path, string expected)
    {
        if (!File.Exists(path)) throw new ModelLoadException(manifest.Name, path, "missing (the manifest names it)");
        string actual;
        using (var stream = File.OpenRead(path)) actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            throw new ModelLoadException(manifest.Name, path, $"sha256 {actual} does not match the manifest's {expected}: the file was changed or belongs to another build");
    }

    static void CheckSpecs(ModelManifest manifest, string path, string kind, IReadOnlyList<TensorSpec> specs, IReadOnlyDictionary<string, NodeMetadata> metadata)
    {
        var declared = specs.Select(s => s.Name).Order(StringComparer.Ordinal).ToArray();
        var actual = metadata.Keys.Order(StringComparer.Ordinal).ToArray();
        if (!declared.SequenceEqual(actual))
            throw new ModelLoadException(manifest.Name, path, $"the graph's {kind}s are [{string.Join(", ", actual)}], the manifest declares [{string.Join(", ", declared)}]");
        foreach (var spec in specs)
        {
            var node = metadata[spec.Name];
            var type = spec.Type switch
            {
                "int64" => typeof(long),
                "float32" => typeof(float),
                "int32" => typeof(int),
                "float64" => typeof(double),
                "string" => typeof(string),
                _ => throw new ModelLoadException(manifest.Name, manifest.PathOf(ModelManifest.FileName), $"{kind} '{spec.Name}' has an unknown type '{spec.Type}'"),
            };
            if (node.ElementType != type)
                throw new ModelLoadException(manifest.Name, path, $"{kind} '{spec.Name}' is {node.ElementType.Name} in the graph, {spec.Type} in the manifest");
            if (node.Dimensions.Length != spec.Rank)
                throw new ModelLoadException(manifest.Name, path, $"{kind} '{spec.Name}' has rank {node.Dimensions.Length} in the graph, {spec.Rank} in the manifest ({spec})");
            for (var axis = 0; axis < spec.Rank; axis++)
            {
                if (spec.Fixed(axis) is { } size && node.Dimensions[axis] > 0 && node.Dimensions[axis] != size)
                    throw new ModelLoadException(manifest.Name, path, $"{kind} '{spec.Name}' axis {axis} is {node.Dimensions[axis]} in the graph, {size} in the manifest");
            }
        }
    }

    public void Dispose()
    {
        foreach (var lazy in _models.Values.Where(l => l.IsValueCreated))
        {
            try
            {
                lazy.Value.Session.Dispose();
            }
            catch (ModelLoadException)
            {
            }
        }

        _models.Clear();
    }
}
