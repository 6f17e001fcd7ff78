using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Inference.Sagas;

namespace Inference.Gateway.Products;

/// <summary>One product as posted: its id (generated when the caller gave none), where it comes from, and its text.</summary>
public sealed record ProductSubmission(Guid Id, string Source, string? SourceId, string Text);

/// <summary>The body of <c>POST /v1/products</c> as documented: one of these, or a JSON array of them.</summary>
/// <remarks>Only for the OpenAPI document: <see cref="ProductSubmissionReader"/> reads the body itself, to name every bad record.</remarks>
public sealed class ProductSubmissionBody
{
    [Description("A GUID; generated when absent. Posting the same id again is harmless: the product runs once.")]
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
