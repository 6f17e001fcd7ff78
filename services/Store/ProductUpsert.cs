using System.Data.Common;
using System.Text;
using System.Text.Json;
using Inference.Contracts;
using Microsoft.EntityFrameworkCore;

namespace Inference.Store;

/// <summary>Idempotent upsert by ProductId, one statement and one round trip per batch: a redelivered StoreProduct never duplicates a row.</summary>
public sealed class ProductUpsert(ProductsDbContext db)
{
    const int ColumnsPerRow = 16;
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Stores every product and returns each one's revision (1 when new), by ProductId.</summary>
    public async Task<IReadOnlyDictionary<Guid, long>> UpsertAsync(IReadOnlyCollection<StoreProduct> products, CancellationToken cancellationToken)
    {
        // One row per product: a batch may carry a redelivery of a product it already holds; the last one wins.
        var rows = products.GroupBy(p => p.ProductId).Select(g => g.Last()).ToArray();
        if (rows.Length == 0) return new Dictionary<Guid, long>();

        var postgres = db.Database.IsNpgsql();
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
            await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = BuildSql(rows.Length, postgres);
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < rows.Length; i++)
                AddRow(command, i, rows[i], now, postgres);

            var revisions = new Dictionary<Guid, long>(rows.Length);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = postgres ? reader.GetGuid(0) : Guid.Parse(reader.GetString(0));
                revisions[id] = reader.GetInt64(1);
            }

            return revisions;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    static string BuildSql(int rows, bool postgres)
    {
        var json = postgres ? "jsonb" : "TEXT";
        var sql = new StringBuilder(
            "INSERT INTO products (product_id, source, source_id, text, category, confidence, brand, mpn, gtin, " +
            "mpn_valid, gtin_valid, verdicts, attributes, models, received_at, created_at, updated_at, revision) VALUES ");
        for (var i = 0; i < rows; i++)
        {
            if (i > 0) sql.Append(", ");
            var p = $"@p{i}_";
            sql.Append($"({p}0, {p}1, {p}2, {p}3, {p}4, {p}5, {p}6, {p}7, {p}8, {p}9, {p}10, ")
               .Append($"CAST({p}11 AS {json}), CAST({p}12 AS {json}), CAST({p}13 AS {json}), {p}14, {p}15, {p}15, 1)");
        }

        sql.Append(
            " ON CONFLICT (product_id) DO UPDATE SET source = excluded.source, source_id = excluded.source_id, text = excluded.text, " +
            "category = excluded.category, confidence = excluded.confidence, brand = excluded.brand, mpn = excluded.mpn, gtin = excluded.gtin, " +
            "mpn_valid = excluded.mpn_valid, gtin_valid = excluded.gtin_valid, verdicts = excluded.verdicts, attributes = excluded.attributes, " +
            "models = excluded.models, received_at = excluded.received_at, updated_at = excluded.updated_at, revision = products.revision + 1 " +
            "RETURNING product_id, revision");
        return sql.ToString();
    }

    static void AddRow(DbCommand command, int row, StoreProduct product, DateTimeOffset now, bool postgres)
    {
        object?[] values =
        [
            postgres ? product.ProductId : product.ProductId.ToString().ToUpperInvariant(),
            product.Source,
            product.SourceId,
            product.Text,
            product.Category,
            product.Confidence,
            product.Brand,
            product.Mpn,
            product.Gtin,
            VerdictOf(product, "mpn"),
            VerdictOf(product, "gtin"),
            JsonSerializer.Serialize(product.Verdicts, Json),
            JsonSerializer.Serialize(product.Attributes, Json),
            JsonSerializer.Serialize(product.Models, Json),
            product.ReceivedAt.ToUniversalTime(),
            now,
        ];
        for (var column = 0; column < ColumnsPerRow; column++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = $"@p{row}_{column}";
            parameter.Value = values[column] ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
    }

    static bool? VerdictOf(StoreProduct product, string kind) =>
        product.Verdicts.FirstOrDefault(v => v.Kind == kind)?.Valid;
}
