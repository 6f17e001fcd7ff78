using System.Text.Json;
using Inference.Contracts;

namespace Inference.Data;

/// <summary>One enriched, validated product as stored: a row of the <c>products</c> table.</summary>
public sealed class ProductRecord
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Guid ProductId { get; set; }
    public string Source { get; set; } = "";
    public string? SourceId { get; set; }
    public string Text { get; set; } = "";
    public string? Category { get; set; }
    public double? Confidence { get; set; }
    public string? Brand { get; set; }
    public string? Mpn { get; set; }
    public string? Gtin { get; set; }
    public bool? MpnValid { get; set; }
    public bool? GtinValid { get; set; }

    /// <summary>JSON: the validator's verdicts (jsonb on PostgreSQL).</summary>
    public string Verdicts { get; set; } = "[]";

    /// <summary>JSON: attribute name → value (jsonb on PostgreSQL).</summary>
    public string Attributes { get; set; } = "{}";

    /// <summary>JSON: stage → "model@version" (jsonb on PostgreSQL).</summary>
    public string Models { get; set; } = "{}";

    /// <summary>JSON: what the store changed to keep a value it could not hold as it came (a NUL removed, an over-long value cut).</summary>
    public string Adjustments { get; set; } = "[]";

    public DateTimeOffset ReceivedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The saga's run that made this record: 1 for a product's first text; a record is only ever replaced by a newer run.</summary>
    public long Revision { get; set; }

    /// <summary>The row for a <see cref="StoreProduct"/> command, as it came (see <see cref="StoredValueRules"/> for what the store adjusts).</summary>
    public static ProductRecord From(StoreProduct product, DateTimeOffset now) => new()
    {
        ProductId = product.ProductId,
        Source = product.Source,
        SourceId = product.SourceId,
        Text = product.Text,
        Category = product.Category,
        Confidence = product.Confidence,
        Brand = product.Brand,
        Mpn = product.Mpn,
        Gtin = product.Gtin,
        MpnValid = product.Verdicts.FirstOrDefault(v => v.Kind == "mpn")?.Valid,
        GtinValid = product.Verdicts.FirstOrDefault(v => v.Kind == "gtin")?.Valid,
        Verdicts = JsonSerializer.Serialize(product.Verdicts, Json),
        Attributes = JsonSerializer.Serialize(product.Attributes, Json),
        Models = JsonSerializer.Serialize(product.Models, Json),
        ReceivedAt = product.ReceivedAt.ToUniversalTime(),
        CreatedAt = now,
        UpdatedAt = now,
        Revision = product.Revision,
    };
}
