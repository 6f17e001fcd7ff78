using System.Text;
using Inference.Contracts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Inference.Sagas;

/// <summary>
/// What a product must be to start a run, at both doors: the Gateway's <c>POST /v1/products</c> and a
/// <see cref="ProductTextReceived"/> published on the bus. One rule set, so the two doors can never disagree.
/// Each rule answers the problem with one field (its name as on the wire) or null when the value is fine.
/// </summary>
public sealed class ProductTextRules(IOptions<ProductTextOptions> options)
{
    // The store's column sizes: longer values would fail at the end of the pipeline instead of at the door.
    public const int MaxSourceLength = 200;
    public const int MaxSourceIdLength = 400;

    public const string InvalidUnicode =
        "is not valid Unicode text: it holds an unpaired surrogate escape (such as \\ud800) or bytes that are not UTF-8.";

    public int MaxTextBytes => options.Value.MaxTextBytes;

    /// <summary>The product's id: a GUID that is not the empty one (the saga's correlation id).</summary>
    public static string? Id(Guid id) => id == Guid.Empty
        ? "is missing or the empty GUID: a product needs its own id, a hyphenated GUID such as 0f8fad5b-d9cb-469f-a165-70867728950e."
        : null;

    /// <summary>Which upstream system sends the product: required.</summary>
    public static string? Source(string? source) => Text(source, required: true, maxChars: MaxSourceLength);

    /// <summary>The product's id in the upstream system: optional, blank counts as absent.</summary>
    public static string? SourceId(string? sourceId) => Text(sourceId, required: false, maxChars: MaxSourceIdLength);

    /// <summary>The product's text: required, at most <see cref="MaxTextBytes"/> bytes of UTF-8.</summary>
    public string? Text(string? text)
    {
        if (Text(text, required: true, maxChars: null) is { } problem) return problem;
        var bytes = Encoding.UTF8.GetByteCount(text!);
        return bytes > MaxTextBytes
            ? $"is {bytes:N0} bytes of UTF-8, over the limit of {MaxTextBytes:N0} ({ProductTextOptions.Section}:{nameof(ProductTextOptions.MaxTextBytes)})."
            : null;
    }

    /// <summary>Every problem of a message at the bus door, by field (camelCase, as on the wire); empty when it may start a run.</summary>
    public IReadOnlyList<FieldProblem> Check(ProductTextReceived message)
    {
        var problems = new List<FieldProblem>(0);
        void Add(string field, string? problem)
        {
            if (problem is not null) problems.Add(new FieldProblem(field, problem));
        }

        Add("productId", Id(message.ProductId));
        Add("source", Source(message.Source));
        Add("sourceId", SourceId(message.SourceId));
        Add("text", Text(message.Text));
        return problems;
    }

    /// <summary>A message without a <c>receivedAt</c> (or with C#'s default one) was received when the pipeline took it.</summary>
    public static ProductTextReceived WithReceipt(ProductTextReceived message, DateTimeOffset now) =>
        message.ReceivedAt is null || message.ReceivedAt == default(DateTimeOffset) ? message with { ReceivedAt = now } : message;

    static string? Text(string? value, bool required, int? maxChars)
    {
        if (value is null) return required ? "is required." : null;
        if (HasUnpairedSurrogate(value)) return InvalidUnicode;
        if (value.Contains('\0')) return "holds a NUL character (U+0000), which the store cannot keep: remove it.";
        // An optional field that is blank counts as absent.
        if (string.IsNullOrWhiteSpace(value)) return required ? "is empty." : null;
        if (maxChars is { } max && value.Length > max) return $"is {value.Length:N0} characters long, over the limit of {max:N0}.";
        return null;
    }

    static bool HasUnpairedSurrogate(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) i++;
            else if (char.IsSurrogate(value[i])) return true;
        }

        return false;
    }
}

/// <summary>One field of a product that breaks a rule, and how.</summary>
public sealed record FieldProblem(string Field, string Problem)
{
    public override string ToString() => $"{Field} {Problem}";
}

/// <summary>The limits of <see cref="ProductTextRules"/> that configuration sets: the same at both doors.</summary>
public sealed class ProductTextOptions
{
    public const string Section = "Products";

    /// <summary>The longest text accepted, in bytes of UTF-8 (the CLI's limit too).</summary>
    public int MaxTextBytes { get; set; } = 64 * 1024;
}

public static class ProductTextRulesRegistration
{
    /// <summary>The rule set and its <c>Products</c> settings, refused at start-up when out of range.</summary>
    public static IServiceCollection AddProductTextRules(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProductTextOptions>()
            .Bind(configuration.GetSection(ProductTextOptions.Section))
            .Validate(o => o.MaxTextBytes is >= 1 and <= 16 * 1024 * 1024,
                $"{ProductTextOptions.Section}:{nameof(ProductTextOptions.MaxTextBytes)} must be within [1, 16 MiB].")
            .ValidateOnStart();
        services.AddSingleton<ProductTextRules>();
        return services;
    }
}
