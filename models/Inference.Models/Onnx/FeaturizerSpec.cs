using System.Text.RegularExpressions;
using System.Text.Json.Nodes;

namespace Inference.Models.Onnx;

/// <summary>The parts of a manifest's <c>featurizer</c> every model shares: token limit and hash buckets; and a check that the templates are ones this code implements.</summary>
public static partial class FeaturizerSpec
{
    /// <summary><c>featurizer.tokenizer.max_tokens</c>; null (no limit) when the manifest gives none.</summary>
    public static int? MaxTokens(ModelManifest manifest) =>
        manifest.Featurizer["tokenizer"]?["max_tokens"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : null;

    public static int Buckets(ModelManifest manifest)
    {
        var hash = manifest.Featurizer["hash"] ?? throw manifest.Invalid("has no featurizer.hash");
        var function = manifest.Get<string>(hash["function"], "featurizer.hash.function");
        if (function != "FNV-1a 32-bit" || manifest.Get<long>(hash["offset_basis"], "featurizer.hash.offset_basis") != Text.Fnv1a.OffsetBasis
                                        || manifest.Get<long>(hash["prime"], "featurizer.hash.prime") != Text.Fnv1a.Prime)
            throw manifest.Invalid($"featurizer.hash is '{function}' with other constants than the FNV-1a 32-bit this code implements");
        var buckets = manifest.Get<int>(hash["buckets"], "featurizer.hash.buckets");
        if (buckets < 1) throw manifest.Invalid($"featurizer.hash.buckets = {buckets}");
        if (hash["examples"] is JsonObject examples)
        {
            foreach (var (feature, id) in examples)
            {
                var expected = id!.GetValue<long>();
                var actual = Text.Fnv1a.Id(feature, buckets);
                if (actual != expected) throw manifest.Invalid($"featurizer.hash.examples: '{feature}' hashes to {actual} here, {expected} in the manifest");
            }
        }

        return buckets;
    }

    /// <summary>Refuses a manifest whose feature templates differ from the ones this code was written for (a retrained model with new features needs new code).</summary>
    public static void RequireTemplates(ModelManifest manifest, string key, string field, IReadOnlyList<string> known)
    {
        var templates = (manifest.Featurizer[key] as JsonArray ?? throw manifest.Invalid($"has no featurizer.{key}"))
            .Select(t => t is JsonObject o ? manifest.Get<string>(o[field], $"featurizer.{key}[].{field}") : manifest.Get<string>(t, $"featurizer.{key}[]"))
            .ToArray();
        if (!templates.SequenceEqual(known))
            throw manifest.Invalid($"featurizer.{key} is [{string.Join(" | ", templates)}]; this code implements [{string.Join(" | ", known)}]");
    }

    /// <summary>The first number in a piece of the manifest's prose (e.g. <c>"longest L (&lt;= 6)"</c>), for the parameters the spec only states in words.</summary>
    public static int NumberIn(ModelManifest manifest, string text, string pattern, string what)
    {
        var match = Regex.Match(text, pattern);
        return match.Success ? int.Parse(match.Groups[1].Value) : throw manifest.Invalid($"cannot find {what} in '{text}'");
    }
}
