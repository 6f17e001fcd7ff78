using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Inference.Sagas;

namespace Inference.Gateway.Products;

/// <summary>
/// One product as posted: its id (given, or derived from source and sourceId as the CLI derives it; null when neither was
/// given: the endpoint then makes one, or takes the one an <c>Idempotency-Key</c> remembers), where it comes from, and its text.
/// </summary>
public sealed record ProductSubmission(Guid? Id, string Source, string? SourceId, string Text);

/// <summary>The body of <c>POST /v1/products</c> as documented: one of these, or a JSON array of them.</summary>
/// <remarks>Only for the OpenAPI document: <see cref="ProductSubmissionReader"/> reads the body itself, to name every bad record.</remarks>
public sealed class ProductSubmissionBody
{
    [Description("A GUID. When absent it is derived from source and sourceId (the same rule as the CLI's), or, with neither, made new " +
                 "(an Idempotency-Key header makes a repeated POST get the same one). The same text posted again is a duplicate and runs " +
                 "once; a different text for the same product runs again as its next revision.")]
    public Guid? Id { get; init; }

    [Description("Which upstream system sends it.")]
    [MaxLength(ProductTextRules.MaxSourceLength)]
    public required string Source { get; init; }

    [Description("The product's id in that system.")]
    [MaxLength(ProductTextRules.MaxSourceIdLength)]
    public string? SourceId { get; init; }

    [Description("The product's text, title then description: not empty, at most Products:MaxTextBytes (64 KiB by default) of UTF-8.")]
    public required string Text { get; init; }
}
