using Microsoft.EntityFrameworkCore;

namespace Inference.Data;

/// <summary>The products table, on PostgreSQL (jsonb columns) or SQLite (text columns).</summary>
public sealed class ProductsDbContext(DbContextOptions<ProductsDbContext> options) : DbContext(options)
{
    public DbSet<ProductRecord> Products => Set<ProductRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var json = Database.IsNpgsql() ? "jsonb" : "TEXT";
        modelBuilder.Entity<ProductRecord>(product =>
        {
            product.ToTable("products");
            product.HasKey(p => p.ProductId);
            product.Property(p => p.ProductId).HasColumnName("product_id");
            product.Property(p => p.Source).HasColumnName("source").HasMaxLength(200);
            product.Property(p => p.SourceId).HasColumnName("source_id").HasMaxLength(400);
            product.Property(p => p.Text).HasColumnName("text");
            product.Property(p => p.Category).HasColumnName("category").HasMaxLength(100);
            product.Property(p => p.Confidence).HasColumnName("confidence");
            product.Property(p => p.Brand).HasColumnName("brand").HasMaxLength(400);
            product.Property(p => p.Mpn).HasColumnName("mpn").HasMaxLength(400);
            product.Property(p => p.Gtin).HasColumnName("gtin").HasMaxLength(64);
            product.Property(p => p.MpnValid).HasColumnName("mpn_valid");
            product.Property(p => p.GtinValid).HasColumnName("gtin_valid");
            product.Property(p => p.Verdicts).HasColumnName("verdicts").HasColumnType(json);
            product.Property(p => p.Attributes).HasColumnName("attributes").HasColumnType(json);
            product.Property(p => p.Models).HasColumnName("models").HasColumnType(json);
            product.Property(p => p.Adjustments).HasColumnName("adjustments").HasColumnType(json).HasDefaultValue("[]");
            product.Property(p => p.ReceivedAt).HasColumnName("received_at");
            product.Property(p => p.CreatedAt).HasColumnName("created_at");
            product.Property(p => p.UpdatedAt).HasColumnName("updated_at");
            product.Property(p => p.Revision).HasColumnName("revision");
            product.HasIndex(p => new { p.Source, p.SourceId }).HasDatabaseName("ix_products_source");
            product.HasIndex(p => p.Category).HasDatabaseName("ix_products_category");
            product.HasIndex(p => p.Gtin).HasDatabaseName("ix_products_gtin");
        });
    }
}
