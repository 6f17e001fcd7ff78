using System.Text;
using System.Text.Json;
using Inference.Sagas;

namespace Inference.Cli;

/// <summary>
/// Reads a JSON Lines file of products: each line a record with a <c>text</c>, and optionally <c>id</c> and <c>source</c>; a line
/// the saga's door would refuse (<see cref="ProductTextRules"/>) is refused here, with its number.
/// </summary>
public sealed class ProductFile(ProductTextRules rules)
{
    public async IAsyncEnumerable<ProductLine> ReadAsync(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        var number = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            yield return Parse(number, line);
        }
    }

    public ProductLine Parse(int number, string line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            return ProductLine.Rejected(number, $"not valid JSON: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return ProductLine.Rejected(number, $"expected a JSON object, found {root.ValueKind}");
            if (root.TryGetProperty("text", out var textElement) && textElement.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                return ProductLine.Rejected(number, $"'text' must be a string, found {textElement.ValueKind}");
            var text = OptionalString(root, "text");
            var id = OptionalString(root, "id") ?? $"line-{number}";
            var source = OptionalString(root, "source") ?? "file";
            var problem = Named("text", rules.Text(text)) ?? Named("id", ProductTextRules.SourceId(id)) ?? Named("source", ProductTextRules.Source(source));
            return problem is null ? ProductLine.Accepted(number, new ProductInput(id, source, text!)) : ProductLine.Rejected(number, problem);
        }
    }

    static string? OptionalString(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String) return null;
        try { return value.GetString(); }
        catch (InvalidOperationException) { return "\ud800"; } // not valid Unicode: the rules name it
    }

    static string? Named(string field, string? problem) => problem is null ? null : $"'{field}' {problem.TrimEnd('.')}";
}

/// <summary>One product to run: its id in the file, its source and its text.</summary>
public sealed record ProductInput(string Id, string Source, string Text);

/// <summary>A line of the file: a product, or the reason it was skipped.</summary>
public sealed record ProductLine(int Number, ProductInput? Product, string? Error)
{
    public static ProductLine Accepted(int number, ProductInput product) => new(number, product, null);
    public static ProductLine Rejected(int number, string error) => new(number, null, error);
}
