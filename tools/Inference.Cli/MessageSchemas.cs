using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Inference.Contracts;

namespace Inference.Cli;

/// <summary>
/// The JSON Schema of every message of <c>contracts/</c> (events and commands), generated from the C# records by
/// System.Text.Json's own exporter: property names as they travel (camelCase; receivers also read PascalCase), nullability from
/// the records' annotations, a property required when its constructor parameter has no default and is not nullable.
/// Kept in <c>contracts/schemas/</c>; a test regenerates them and fails on any difference.
/// </summary>
public static class MessageSchemas
{
    public const string Folder = "contracts/schemas";

    static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The messages: every record of the contracts whose first field is the product's id.</summary>
    public static IReadOnlyList<Type> Messages { get; } = typeof(ProductTextReceived).Assembly.GetExportedTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && t.Namespace == typeof(ProductTextReceived).Namespace)
        .Where(t => t.GetConstructors().Any(c => c.GetParameters() is [{ Name: nameof(ProductTextReceived.ProductId) }, ..]))
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .ToArray();

    /// <summary>File name → schema text, for every message.</summary>
    public static IReadOnlyDictionary<string, string> Generate() =>
        Messages.ToDictionary(t => $"{t.Name}.schema.json", t => Schema(t).ToJsonString(Indented) + "\n");

    /// <summary>Writes every schema into <paramref name="folder"/>, removing schemas of messages that are gone.</summary>
    public static IReadOnlyList<string> Write(string folder)
    {
        Directory.CreateDirectory(folder);
        var schemas = Generate();
        foreach (var stale in Directory.EnumerateFiles(folder, "*.schema.json").Where(f => !schemas.ContainsKey(Path.GetFileName(f))))
            File.Delete(stale);
        foreach (var (name, text) in schemas) File.WriteAllText(Path.Combine(folder, name), text);
        return schemas.Keys.Order(StringComparer.Ordinal).ToArray();
    }

    static JsonNode Schema(Type message)
    {
        var schema = Wire.GetJsonSchemaAsNode(message, new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = (context, node) =>
            {
                if (node is not JsonObject schema) return node;
                // A parameter's default is C#'s to apply, not a value to send.
                if (context.PropertyInfo is not null) schema.Remove("default");
                // A nullable property may be left out: receivers read it as null.
                if (schema["required"] is JsonArray required && schema["properties"] is JsonObject properties)
                {
                    foreach (var name in required.Select(n => n!.GetValue<string>()).ToArray())
                        if (properties[name]?["type"] is JsonArray types && types.Any(t => t!.GetValue<string>() == "null"))
                            required.Remove(required.First(n => n!.GetValue<string>() == name));
                    if (required.Count == 0) schema.Remove("required");
                }

                return node;
            },
        });
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            // The message type as MassTransit's envelope names it (messageType).
            ["$id"] = $"urn:message:{message.Namespace}:{message.Name}",
            ["title"] = message.Name,
        };
        foreach (var (key, value) in schema.AsObject().ToArray())
        {
            schema.AsObject().Remove(key);
            root[key] = value;
        }

        return root;
    }
}
