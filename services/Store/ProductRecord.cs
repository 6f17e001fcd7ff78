namespace Inference.Store;

/// <summary>One enriched, validated product as stored: a row of the <c>products</c> table.</summary>
public sealed class ProductRecord
{
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

    public DateTimeOffset ReceivedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>1 on the first store, +1 on every upsert after it.</summary>
    public long Revision { get; set; }
}
