using System.Globalization;
using System.Text.Json;
using Inference.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Inference.Data;

/// <summary>
/// What the store does with a value it cannot hold as it came, instead of failing the product at the end of its run: a NUL
/// (U+0000, which PostgreSQL refuses in text and jsonb) is removed, a value longer than its column is cut to the column's
/// length. Each change is written into the record's <see cref="ProductRecord.Adjustments"/>, so the record says what it lost.
/// </summary>
public static class StoredValueRules
{
    /// <summary>The row for <paramref name="product"/>, its values made storable, the changes listed.</summary>
    public static ProductRecord ToRecord(StoreProduct product, DateTimeOffset now, IEntityType products)
    {
        var adjustments = new List<string>();
        var record = ProductRecord.From(WithoutNul(product, adjustments), now);
        CutToColumns(record, products, adjustments);
        record.Adjustments = JsonSerializer.Serialize(adjustments);
        return record;
    }

    static StoreProduct WithoutNul(StoreProduct product, List<string> adjustments)
    {
        var removed = new Dictionary<string, int>();
        string? Clean(string? value, string column)
        {
            if (value is null || !value.Contains('\0')) return value;
            var count = value.Count(c => c == '\0');
            removed[column] = removed.GetValueOrDefault(column) + count;
            return value.Replace("\0", "", StringComparison.Ordinal);
        }

        var clean = product with
        {
            Source = Clean(product.Source, "source")!,
            SourceId = Clean(product.SourceId, "source_id"),
            Text = Clean(product.Text, "text")!,
            Category = Clean(product.Category, "category"),
            Brand = Clean(product.Brand, "brand"),
            Mpn = Clean(product.Mpn, "mpn"),
            Gtin = Clean(product.Gtin, "gtin"),
            Attributes = product.Attributes.Aggregate(new Dictionary<string, string>(), (cleaned, a) =>
            {
                cleaned[Clean(a.Key, "attributes")!] = Clean(a.Value, "attributes")!;
                return cleaned;
            }),
            Verdicts = product.Verdicts.Select(v => v with
            {
                Value = Clean(v.Value, "verdicts")!, Normalized = Clean(v.Normalized, "verdicts"), Reason = Clean(v.Reason, "verdicts")!,
            }).ToArray(),
        };
        adjustments.AddRange(removed.Select(r => $"{r.Key}: {Count(r.Value)} NUL character(s) removed"));
        return removed.Count == 0 ? product : clean;
    }

    static void CutToColumns(ProductRecord record, IEntityType products, List<string> adjustments)
    {
        foreach (var property in products.GetProperties())
        {
            if (property.ClrType != typeof(string) || property.GetMaxLength() is not { } max || property.PropertyInfo is not { } info) continue;
            if (info.GetValue(record) is not string value || value.Length <= max) continue;

            adjustments.Add($"{property.GetColumnName()}: cut from {Count(value.Length)} to {Count(max)} characters (the column's length)");
            info.SetValue(record, Cut(value, max));
        }
    }

    /// <summary>At most <paramref name="max"/> UTF-16 units, never half a surrogate pair.</summary>
    static string Cut(string value, int max) =>
        value[..(max > 0 && char.IsHighSurrogate(value[max - 1]) ? max - 1 : max)];

    static string Count(int n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
