using System.Data.Common;
using System.Text;
using Inference.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Inference.Data;

/// <summary>
/// Idempotent upsert by ProductId, one statement and one round trip per batch. A record is replaced only by the same or a newer
/// run of its product (<see cref="StoreProduct.Revision"/>), so a redelivered StoreProduct neither duplicates a row nor counts
/// as another run, and a late command of an older run never overwrites a newer one. The statement is built from the EF model,
/// so its columns are the table's.
/// </summary>
public sealed class ProductUpsert(ProductsDbContext db)
{
    /// <summary>Stores every product and returns each one's stored revision, by ProductId.</summary>
    public async Task<IReadOnlyDictionary<Guid, long>> UpsertAsync(IReadOnlyCollection<StoreProduct> products, CancellationToken cancellationToken)
    {
        // One row per product: a batch may carry a redelivery of a product it already holds; the newest run wins.
        var latest = products.GroupBy(p => p.ProductId).Select(g => g.MaxBy(p => p.Revision)!).ToArray();
        if (latest.Length == 0) return new Dictionary<Guid, long>();

        var table = Table.Of(db);
        var now = DateTimeOffset.UtcNow;
        var rows = latest.Select(p => StoredValueRules.ToRecord(p, now, table.Entity)).ToArray();
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
            await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = table.UpsertSql(rows.Length);
            for (var i = 0; i < rows.Length; i++)
                table.AddParameters(command, i, rows[i]);

            var revisions = await ReadRevisionsAsync(command, cancellationToken);
            // A product whose stored record is of a newer run comes back without a row: it keeps that newer revision, which is read.
            var kept = latest.Select(p => p.ProductId).Where(id => !revisions.ContainsKey(id)).ToArray();
            if (kept.Length > 0)
            {
                await using var query = connection.CreateCommand();
                query.CommandText = table.RevisionsSql(kept.Length);
                for (var i = 0; i < kept.Length; i++) table.AddKeyParameter(query, i, kept[i]);
                foreach (var (id, revision) in await ReadRevisionsAsync(query, cancellationToken)) revisions[id] = revision;
            }

            return revisions;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    static async Task<Dictionary<Guid, long>> ReadRevisionsAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var revisions = new Dictionary<Guid, long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetFieldValue<object>(0) is Guid guid ? guid : Guid.Parse(reader.GetString(0));
            revisions[id] = reader.GetInt64(1);
        }

        return revisions;
    }

    /// <summary>The products table as the EF model maps it: its name, its columns, how each value becomes a parameter.</summary>
    sealed class Table
    {
        static readonly Dictionary<(Type, string), Table> Cache = [];

        Table(IEntityType entity, bool postgres)
        {
            Entity = entity;
            var id = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            Name = entity.GetTableName()!;
            Columns = entity.GetProperties().Select(p => new Column(p, p.GetColumnName(id)!, p.GetRelationalTypeMapping(),
                CastTo: postgres && p.GetColumnType() == "jsonb" ? "jsonb" : null)).ToArray();
            Key = entity.FindPrimaryKey()!.Properties.Single().GetColumnName(id)!;
            KeyIndex = Array.FindIndex(Columns, c => c.Name == Key);
            Revision = entity.FindProperty(nameof(ProductRecord.Revision))!.GetColumnName(id)!;
            var createdAt = entity.FindProperty(nameof(ProductRecord.CreatedAt))!.GetColumnName(id)!;
            Updated = Columns.Select(c => c.Name).Where(c => c != Key && c != createdAt).ToArray();
        }

        public IEntityType Entity { get; }
        string Name { get; }
        Column[] Columns { get; }
        string Key { get; }
        int KeyIndex { get; }
        string Revision { get; }
        string[] Updated { get; }

        public static Table Of(ProductsDbContext db)
        {
            var postgres = db.Database.IsNpgsql();
            var key = (db.Model.GetType(), postgres ? "postgres" : "sqlite");
            lock (Cache)
            {
                if (!Cache.TryGetValue(key, out var table))
                    Cache[key] = table = new Table(db.Model.FindEntityType(typeof(ProductRecord))!, postgres);
                return table;
            }
        }

        public string UpsertSql(int rows)
        {
            var sql = new StringBuilder($"INSERT INTO {Name} ({string.Join(", ", Columns.Select(c => c.Name))}) VALUES ");
            for (var row = 0; row < rows; row++)
            {
                if (row > 0) sql.Append(", ");
                sql.Append('(').AppendJoin(", ", Columns.Select((c, i) => c.CastTo is null ? $"@p{row}_{i}" : $"CAST(@p{row}_{i} AS {c.CastTo})")).Append(')');
            }

            sql.Append($" ON CONFLICT ({Key}) DO UPDATE SET ")
               .AppendJoin(", ", Updated.Select(c => $"{c} = excluded.{c}"))
               .Append($" WHERE {Name}.{Revision} <= excluded.{Revision} RETURNING {Key}, {Revision}");
            return sql.ToString();
        }

        public string RevisionsSql(int keys) =>
            $"SELECT {Key}, {Revision} FROM {Name} WHERE {Key} IN ({string.Join(", ", Enumerable.Range(0, keys).Select(i => $"@k{i}"))})";

        public void AddKeyParameter(DbCommand command, int index, Guid productId) =>
            command.Parameters.Add(Columns[KeyIndex].Mapping.CreateParameter(command, $"@k{index}", productId, nullable: false));

        public void AddParameters(DbCommand command, int row, ProductRecord record)
        {
            for (var i = 0; i < Columns.Length; i++)
            {
                var column = Columns[i];
                command.Parameters.Add(column.Mapping.CreateParameter(command, $"@p{row}_{i}", column.Property.PropertyInfo!.GetValue(record), column.Property.IsNullable));
            }
        }

        sealed record Column(IProperty Property, string Name, RelationalTypeMapping Mapping, string? CastTo);
    }
}
