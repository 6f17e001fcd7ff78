using System.Text.Json;
using Inference.Sagas;
using Microsoft.Extensions.Options;

namespace Inference.Gateway.Products;

/// <summary>
/// Reads the body of <c>POST /v1/products</c>: one product or a batch, every bad record named with its index, all or nothing.
/// What JSON can get wrong (types, escapes) is checked here; what a product must be, by <see cref="ProductTextRules"/>, the
/// rules the bus door applies too.
/// </summary>
public sealed class ProductSubmissionReader(IOptions<GatewayOptions> options, ProductTextRules rules)
{
    readonly GatewayOptions _options = options.Value;

    public ProductSubmissionResult Read(JsonElement root)
    {
        switch (root.ValueKind)
        {
            case JsonValueKind.Object:
            {
                var errors = new Dictionary<string, string[]>();
                var product = ReadProduct(root, "", errors);
                return errors.Count == 0
                    ? ProductSubmissionResult.Accepted([product!], batch: false)
                    : ProductSubmissionResult.Invalid(errors, [0], batch: false);
            }
            case JsonValueKind.Array:
                return ReadBatch(root);
            default:
                return ProductSubmissionResult.Rejected(StatusCodes.Status400BadRequest, "The body is not a product",
                    $"The body must be a JSON object (one product) or an array of them (a batch), was {Describe(root.ValueKind)}.");
        }
    }

    ProductSubmissionResult ReadBatch(JsonElement array)
    {
        var count = array.GetArrayLength();
        if (count == 0)
            return ProductSubmissionResult.Rejected(StatusCodes.Status400BadRequest, "The batch is empty",
                "The batch holds no product: send at least one.");
        if (count > _options.MaxBatchSize)
            return ProductSubmissionResult.Rejected(StatusCodes.Status413PayloadTooLarge, "The batch is too large",
                $"The batch holds {count:N0} products, over the limit of {_options.MaxBatchSize:N0} (Gateway:MaxBatchSize): split it.");

        var errors = new Dictionary<string, string[]>();
        var invalid = new List<int>();
        var products = new List<ProductSubmission>(count);
        var firstIndexOf = new Dictionary<Guid, int>();
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            var prefix = $"[{index}].";
            var before = errors.Count;
            var product = ReadProduct(item, prefix, errors);
            // Two records of one product would run as one and lose a text: refuse rather than guess.
            if (product?.Id is { } id && !firstIndexOf.TryAdd(id, index))
                errors[$"{prefix}id"] = [$"is the product of record [{firstIndexOf[id]}] too (the same id, or the same source and sourceId): a batch holds each product once."];
            if (errors.Count > before) invalid.Add(index);
            else products.Add(product!);
            index++;
        }

        return errors.Count == 0
            ? ProductSubmissionResult.Accepted(products, batch: true)
            : ProductSubmissionResult.Invalid(errors, invalid, batch: true);
    }

    ProductSubmission? ReadProduct(JsonElement item, string prefix, Dictionary<string, string[]> errors)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            errors[prefix.Length == 0 ? "$" : prefix.TrimEnd('.')] = [$"must be a JSON object (a product), was {Describe(item.ValueKind)}."];
            return null;
        }

        var before = errors.Count;
        var id = ReadId(item, prefix, errors);
        var source = ReadString(item, "source", prefix, errors, ProductTextRules.Source);
        var sourceId = ReadString(item, "sourceId", prefix, errors, ProductTextRules.SourceId);
        var text = ReadString(item, "text", prefix, errors, rules.Text);
        // An optional field that is blank counts as absent.
        if (string.IsNullOrWhiteSpace(sourceId)) sourceId = null;

        if (errors.Count != before) return null;
        // One id rule, the CLI's: a product known to its source by an id is the same product whoever sends it.
        return new ProductSubmission(id ?? (sourceId is null ? null : ProductIds.For(source!, sourceId)), source!, sourceId, text!);
    }

    static Guid? ReadId(JsonElement item, string prefix, Dictionary<string, string[]> errors)
    {
        if (!TryGetProperty(item, "id", out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        var raw = value.ValueKind == JsonValueKind.String ? StringOf(value) : null;
        var parsed = Guid.TryParse(raw, out var id);
        var problem = parsed ? ProductTextRules.Id(id) : null;
        if (parsed && problem is null)
            return id;

        errors[$"{prefix}id"] = [value.ValueKind != JsonValueKind.String
            ? $"must be a GUID in a string, was {Describe(value.ValueKind)}."
            : raw is null
                ? ProductTextRules.InvalidUnicode
                : problem ?? $"'{Shorten(raw)}' is not a GUID (e.g. 0f8fad5b-d9cb-469f-a165-70867728950e)."];
        return Guid.Empty;
    }

    /// <summary>A string field: JSON's own problems here, then the field's rule (which also says whether it is required).</summary>
    static string? ReadString(JsonElement item, string name, string prefix, Dictionary<string, string[]> errors, Func<string?, string?> rule)
    {
        string? text = null;
        if (TryGetProperty(item, name, out var value) && value.ValueKind != JsonValueKind.Null)
        {
            if (value.ValueKind != JsonValueKind.String)
            {
                errors[prefix + name] = [$"must be a string, was {Describe(value.ValueKind)}."];
                return null;
            }

            if ((text = StringOf(value)) is null)
            {
                errors[prefix + name] = [ProductTextRules.InvalidUnicode];
                return null;
            }
        }

        if (rule(text) is not { } problem) return text;
        errors[prefix + name] = [problem];
        return null;
    }

    /// <summary>Names match case-insensitively, as ASP.NET Core's own JSON binding does.</summary>
    static bool TryGetProperty(JsonElement item, string name, out JsonElement value)
    {
        foreach (var property in item.EnumerateObject())
        {
            if (string.Equals(NameOf(property), name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>The string, or null when it is not valid Unicode: System.Text.Json finds that out only when the string is read.</summary>
    static string? StringOf(JsonElement value)
    {
        try { return value.GetString(); }
        catch (InvalidOperationException) { return null; }
    }

    /// <summary>A property name that is not valid Unicode is no name this reader knows.</summary>
    static string? NameOf(JsonProperty property)
    {
        try { return property.Name; }
        catch (InvalidOperationException) { return null; }
    }

    static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    static string Shorten(string value) => value.Length <= 60 ? value : value[..60] + "…";
}

/// <summary>What the reader made of a body: the products to publish, or why none may be.</summary>
public sealed class ProductSubmissionResult
{
    ProductSubmissionResult() { }

    public IReadOnlyList<ProductSubmission> Products { get; private init; } = [];
    public bool IsBatch { get; private init; }

    /// <summary>0 when the body is acceptable; otherwise the status to answer with.</summary>
    public int Status { get; private init; }
    public string? Title { get; private init; }
    public string? Detail { get; private init; }
    public IDictionary<string, string[]>? Errors { get; private init; }
    public IReadOnlyList<int> InvalidRecords { get; private init; } = [];

    public bool IsValid => Status == 0;

    public static ProductSubmissionResult Accepted(IReadOnlyList<ProductSubmission> products, bool batch) =>
        new() { Products = products, IsBatch = batch };

    public static ProductSubmissionResult Rejected(int status, string title, string detail) =>
        new() { Status = status, Title = title, Detail = detail };

    public static ProductSubmissionResult Invalid(IDictionary<string, string[]> errors, IReadOnlyList<int> invalid, bool batch) => new()
    {
        Status = StatusCodes.Status400BadRequest,
        Title = batch ? "Some products of the batch are not valid" : "The product is not valid",
        Detail = batch
            ? $"{invalid.Count:N0} of the batch's records are not valid (indexes {string.Join(", ", invalid.Take(20))}{(invalid.Count > 20 ? ", …" : "")}); nothing was accepted."
            : "The product is not valid; nothing was accepted.",
        Errors = errors,
        InvalidRecords = invalid,
        IsBatch = batch,
    };
}
