using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Inference.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the PostgreSQL model; migrations are PostgreSQL's only (SQLite creates its schema).</summary>
public sealed class ProductsDbContextFactory : IDesignTimeDbContextFactory<ProductsDbContext>
{
    public ProductsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ProductsDbContext>().UseNpgsql("Host=localhost;Database=inference").Options);
}
