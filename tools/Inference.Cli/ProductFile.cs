using System.Text;
using System.Text.Json;

namespace Inference.Cli;

/// <summary>Reads a JSON Lines file of products: each line a record with a <c>text</c>, and optionally <c>id</c> and <c>source</c>.</summary>
public sealed class ProductFile(int maxTextBytes)
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
            if (!root.TryGetProperty("text", out var textElement) || textElement.ValueKind == JsonValueKind.Null)
                return ProductLine.Rejected(number, "no 'text' field");
            if (textElement.ValueKind != JsonValueKind.String)
                return ProductLine.Rejected(number, $"'text' must be a string, found {textElement.ValueKind}");
            var text = textElement.GetString()!;
            if (string.IsNullOrWhiteSpace(text))
                return ProductLine.Rejected(number, "'text' is empty");
            var bytes = Encoding.UTF8.GetByteCount(text);
            if (bytes > maxTextBytes)
                return ProductLine.Rejected(number, $"'text' is {bytes:N0} bytes, over the limit of {maxTextBytes:N0}");

            var id = OptionalString(root, "id");
            var source = OptionalString(root, "source") ?? "file";
            return ProductLine.Accepted(number, new ProductInput(id ?? $"line-{number}", source, text));
        }
    }

    static string? OptionalString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>One product to run: its id in the file, its source and its text.</summary>
public sealed record ProductInput(string Id, string Source, string Text);

/// <summary>A line of the file: a product, or the reason it was skipped.</summary>
public sealed record ProductLine(int Number, ProductInput? Product, string? Error)
{
    public static ProductLine Accepted(int number, ProductInput product) => new(number, product, null);
    public static ProductLine Rejected(int number, string error) => new(number, null, error);
}
