using System.Text.Json.Nodes;
using Inference.Loopback;
using Inference.Contracts;
using Inference.Data;
using Microsoft.EntityFrameworkCore;

namespace Inference.Tests.Integration;

/// <summary>The store's upsert on real PostgreSQL (migrated) and on SQLite (the embedded default): idempotent by ProductId.</summary>
[TestFixture(StoreProvider.Postgres, Category = "Integration")]
[TestFixture(StoreProvider.Sqlite)]
public sealed class ProductStoreTests(StoreProvider provider)
{
    PostgresDatabase? _postgres;
    string? _sqliteFile;
    DbContextOptions<ProductsDbContext> _options = null!;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync()
    {
        var builder = new DbContextOptionsBuilder<ProductsDbContext>();
        if (provider == StoreProvider.Postgres)
        {
            _postgres = await PostgresDatabase.CreateAsync("store");
            ProductsDatabase.UseProvider(builder, new StoreOptions { Provider = provider, ConnectionString = _postgres.ConnectionString });
        }
        else
        {
            _sqliteFile = Path.Combine(Path.GetTempPath(), $"store-{Guid.NewGuid():N}.db");
            ProductsDatabase.UseProvider(builder, new StoreOptions { Provider = provider, ConnectionString = $"Data Source={_sqliteFile}" });
        }

        _options = builder.Options;
        await using var db = new ProductsDbContext(_options);
        await ProductsDatabase.EnsureSchemaAsync(db, CancellationToken.None);
    }

    [OneTimeTearDown]
    public async Task DropDatabaseAsync()
    {
        if (_postgres is not null) await _postgres.DisposeAsync();
        if (_sqliteFile is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(_sqliteFile);
        }
    }

    [Test]
    public async Task Should_insert_a_new_product_at_revision_one()
    {
        var product = Product("Kingston", "KTC-D320/1G", "4006381333931");
        var revisions = await UpsertAsync(product);
        Assert.That(revisions[product.ProductId], Is.EqualTo(1));

        await using var db = new ProductsDbContext(_options);
        var row = await db.Products.SingleAsync(p => p.ProductId == product.ProductId);
        Assert.That(row.Brand, Is.EqualTo("Kingston"));
        Assert.That(row.Category, Is.EqualTo("computers-accessories"));
        Assert.That(row.Confidence, Is.EqualTo(0.91).Within(1e-9));
        Assert.That(row.GtinValid, Is.True);
        Assert.That(row.MpnValid, Is.False);
        Assert.That(row.Attributes, Does.Contain("\"Capacity\"").And.Contain("1GB"));
        Assert.That(row.Models, Does.Contain("baseline-classifier@1.0.0"));
        Assert.That(row.ReceivedAt, Is.EqualTo(product.ReceivedAt).Within(TimeSpan.FromMilliseconds(1)));
    }

    [Test]
    public async Task Should_store_a_redelivered_run_once()
    {
        var product = Product("Koss", "EQ50", null);
        await UpsertAsync(product);
        var revisions = await UpsertAsync(product);
        Assert.That(revisions[product.ProductId], Is.EqualTo(1), "the same run stored twice is still run 1");

        await using var db = new ProductsDbContext(_options);
        var rows = await db.Products.Where(p => p.ProductId == product.ProductId).ToListAsync();
        Assert.That(rows, Has.Count.EqualTo(1));
        Assert.That(rows[0].Revision, Is.EqualTo(1));
        Assert.That(rows[0].UpdatedAt, Is.GreaterThanOrEqualTo(rows[0].CreatedAt));
    }

    [Test]
    public async Task Should_replace_a_record_only_with_a_newer_run()
    {
        var product = Product("Koss", "EQ50", null);
        await UpsertAsync(product);
        Assert.That((await UpsertAsync(product with { Brand = "KOSS", Revision = 2 }))[product.ProductId], Is.EqualTo(2));
        Assert.That((await UpsertAsync(product with { Brand = "late", Revision = 1 }))[product.ProductId], Is.EqualTo(2),
            "a late command of an older run reports the newer revision kept");

        await using var db = new ProductsDbContext(_options);
        var row = await db.Products.SingleAsync(p => p.ProductId == product.ProductId);
        Assert.That(row.Brand, Is.EqualTo("KOSS"));
        Assert.That(row.Revision, Is.EqualTo(2));
    }

    [Test]
    public async Task Should_store_a_batch_in_one_statement_and_keep_the_newest_run_of_a_duplicate()
    {
        var a = Product("A", "A-1", null);
        var b = Product("B", "B-1", null);
        var revisions = await UpsertAsync(a with { Brand = "A2", Revision = 2 }, b, a);
        Assert.That(revisions.Keys, Is.EquivalentTo(new[] { a.ProductId, b.ProductId }));

        await using var db = new ProductsDbContext(_options);
        Assert.That(await db.Products.CountAsync(p => p.ProductId == a.ProductId || p.ProductId == b.ProductId), Is.EqualTo(2));
        Assert.That((await db.Products.SingleAsync(p => p.ProductId == a.ProductId)).Brand, Is.EqualTo("A2"));
    }

    [Test]
    public async Task Should_remove_nul_characters_and_say_so()
    {
        var product = Product("Ko\0ss", "EQ50", null) with
        {
            Text = "Koss\0 EQ50\0",
            Attributes = new Dictionary<string, string> { ["Colour"] = "bl\0ack" },
        };
        await UpsertAsync(product);

        await using var db = new ProductsDbContext(_options);
        var row = await db.Products.SingleAsync(p => p.ProductId == product.ProductId);
        Assert.That(row.Text, Is.EqualTo("Koss EQ50"));
        Assert.That(row.Brand, Is.EqualTo("Koss"));
        Assert.That(row.Attributes, Does.Contain("black"));
        Assert.That(row.Adjustments, Does.Contain("text: 2 NUL character(s) removed")
            .And.Contain("brand: 1 NUL character(s) removed").And.Contain("attributes: 1 NUL character(s) removed"));
    }

    [Test]
    public async Task Should_cut_a_value_longer_than_its_column_and_say_so()
    {
        var longMpn = new string('X', 65_000);
        var product = Product("Koss", longMpn, null);
        await UpsertAsync(product);

        await using var db = new ProductsDbContext(_options);
        var row = await db.Products.SingleAsync(p => p.ProductId == product.ProductId);
        Assert.That(row.Mpn, Has.Length.EqualTo(400));
        Assert.That(row.Adjustments, Does.Contain("mpn: cut from 65,000 to 400 characters"));
        Assert.That(row.Text, Has.Length.EqualTo(product.Text.Length), "the text has no limit");
    }

    [Test]
    public async Task Should_record_no_adjustment_for_a_clean_product()
    {
        var product = Product("Koss", "EQ50", null);
        await UpsertAsync(product);

        await using var db = new ProductsDbContext(_options);
        Assert.That((await db.Products.SingleAsync(p => p.ProductId == product.ProductId)).Adjustments, Is.EqualTo("[]"));
    }

    [Test]
    public async Task Should_keep_attributes_queryable_as_json()
    {
        var product = Product("Seagate", "ST3500418AS", null);
        await UpsertAsync(product);

        await using var db = new ProductsDbContext(_options);
        var capacity = provider == StoreProvider.Postgres
            ? await db.Database
                .SqlQuery<string>($"SELECT attributes->>'Capacity' AS \"Value\" FROM products WHERE product_id = {product.ProductId}")
                .SingleAsync()
            : await db.Database
                .SqlQuery<string>($"SELECT json_extract(attributes, '$.Capacity') AS \"Value\" FROM products WHERE product_id = {product.ProductId.ToString().ToUpperInvariant()}")
                .SingleAsync();
        Assert.That(capacity, Is.EqualTo("1GB"));
    }

    [Test]
    public async Task Should_write_every_column_of_the_table_on_insert_and_on_a_newer_run()
    {
        // Every column the EF model maps, read back, is what the store makes of the command (ProductRecord.From and the stored
        // value rules): a column the record or the upsert's statement left out would keep an empty row's value, or the older run's.
        var first = Product("Kingston", "KTC-D320/1G", "4006381333931") with { Text = "Kingston\0 KTC-D320/1G memory 1GB" };
        var newer = new StoreProduct(first.ProductId, "other-feed", "sku-2", "Crucial 8GB DDR3 CT102464BF160B", "office-products", 0.55,
            "Cruc\0ial", "CT102464BF160B", "0649528764581", new Dictionary<string, string> { ["Capacity"] = "8GB" },
            [new IdentifierVerdict("mpn", "CT102464BF160B", "CT102464BF160B", true, "test"), new IdentifierVerdict("gtin", "0649528764581", "0649528764581", false, "test")],
            new Dictionary<string, string> { ["classify"] = "classifier@2.0.0" }, first.ReceivedAt.AddHours(1), Revision: 2);

        await UpsertAsync(first);
        var before = await ReadAsync(first.ProductId);
        await UpsertAsync(newer);
        var after = await ReadAsync(first.ProductId);

        await using var db = new ProductsDbContext(_options);
        var entity = db.Model.FindEntityType(typeof(ProductRecord))!;
        var expectedFirst = StoredValueRules.ToRecord(first, before.UpdatedAt, entity);
        var expectedNewer = StoredValueRules.ToRecord(newer, after.UpdatedAt, entity);
        var empty = new ProductRecord();
        Assert.That(entity.GetProperties().Select(p => p.Name), Is.EquivalentTo(typeof(ProductRecord).GetProperties().Select(p => p.Name)), "every property of ProductRecord is a column");
        foreach (var property in entity.GetProperties())
        {
            var info = property.PropertyInfo!;
            var column = property.GetColumnName();
            AssertStored(info.GetValue(before), info.GetValue(expectedFirst), $"{column} as inserted");
            Assert.That(info.GetValue(before), Is.Not.EqualTo(info.GetValue(empty)), $"{column} was not written");
            if (property.Name == nameof(ProductRecord.CreatedAt))
            {
                Assert.That(after.CreatedAt, Is.EqualTo(before.CreatedAt), "a newer run keeps when the product was first stored");
                continue;
            }

            AssertStored(info.GetValue(after), info.GetValue(expectedNewer), $"{column} as replaced by the newer run");
            if (property.Name != nameof(ProductRecord.ProductId))
                Assert.That(info.GetValue(after), Is.Not.EqualTo(info.GetValue(before)), $"{column} was not replaced by the newer run");
        }

        static void AssertStored(object? stored, object? expected, string what)
        {
            switch (expected)
            {
                case string text when text.StartsWith('[') || text.StartsWith('{'):
                    Assert.That(JsonNode.DeepEquals(JsonNode.Parse((string)stored!), JsonNode.Parse(text)), Is.True, $"{what}: {stored} is not {text}");
                    break;
                case DateTimeOffset time:
                    Assert.That((DateTimeOffset)stored!, Is.EqualTo(time).Within(TimeSpan.FromMilliseconds(1)), what);
                    break;
                case double number:
                    Assert.That((double)stored!, Is.EqualTo(number).Within(1e-9), what);
                    break;
                default:
                    Assert.That(stored, Is.EqualTo(expected), what);
                    break;
            }
        }
    }

    [Test]
    public async Task Should_remove_a_nul_from_every_text_the_command_carries()
    {
        // PostgreSQL refuses a NUL in text and jsonb: one the store's rules miss in a field of StoreProduct fails the upsert there.
        var product = Product("Koss", "EQ50", "4006381333931");
        foreach (var property in typeof(StoreProduct).GetProperties().Where(p => p.PropertyType == typeof(string)))
            property.SetValue(product, property.GetValue(product) + "\0");
        await UpsertAsync(product);

        var row = await ReadAsync(product.ProductId);
        foreach (var property in typeof(ProductRecord).GetProperties().Where(p => p.PropertyType == typeof(string)))
            Assert.That((string?)property.GetValue(row) ?? "", Does.Not.Contain("\0").And.Not.Contain("\\u0000"), property.Name);
    }

    async Task<ProductRecord> ReadAsync(Guid productId)
    {
        await using var db = new ProductsDbContext(_options);
        return await db.Products.AsNoTracking().SingleAsync(p => p.ProductId == productId);
    }

    async Task<IReadOnlyDictionary<Guid, long>> UpsertAsync(params StoreProduct[] products)
    {
        await using var db = new ProductsDbContext(_options);
        return await new ProductUpsert(db).UpsertAsync(products, CancellationToken.None);
    }

    static StoreProduct Product(string brand, string mpn, string? gtin) => new(
        Guid.NewGuid(), "test", "sku-1", $"{brand} {mpn} memory 1GB", "computers-accessories", 0.91, brand, mpn, gtin,
        new Dictionary<string, string> { ["Capacity"] = "1GB" },
        [
            new IdentifierVerdict("mpn", mpn, mpn.ToUpperInvariant(), false, "test"),
            .. gtin is null ? Array.Empty<IdentifierVerdict>() : [new IdentifierVerdict("gtin", gtin, gtin, true, "test")],
        ],
        new Dictionary<string, string> { ["classify"] = "baseline-classifier@1.0.0" },
        new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.FromHours(1)));
}
