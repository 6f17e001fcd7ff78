using Inference.Data;
using Inference.Gateway.Security;
using Inference.Sagas;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Inference.Gateway.Products;

/// <summary>
/// <c>GET /v1/products?source=…&amp;sourceId=…</c> or <c>?source=…&amp;textPrefix=…</c>: products found by their upstream name, from
/// the stored records (the index on source and source id) and the saga store (a product not stored yet, found by the id its source
/// and source id make). A text prefix is looked for among a bounded number of that source's records, never the whole table.
/// </summary>
public static class ProductSearch
{
    /// <summary>The most stored records of one source a text-prefix search reads.</summary>
    public const int ScanLimit = 10_000;

    const int DefaultLimit = 20;
    const int MaxLimit = 100;
    const int MaxPrefixChars = 200;
    const int ShownTextChars = 200;

    public static RouteGroupBuilder MapProductSearch(this RouteGroupBuilder products)
    {
        products.MapGet("/", SearchAsync)
            .RequireAuthorization(GatewayPolicies.Read)
            .WithName("SearchProducts")
            .WithSummary("Find products by source and source id, or by source and the start of their text")
            .WithDescription($"source is required, with sourceId (exact: the stored records of that source and id, and the product the pair " +
                             $"names if it is still in flight or Faulted) or textPrefix (case-insensitive, among at most {ScanLimit:N0} stored " +
                             $"records of that source in source-id order, which the answer says). limit: 1 to {MaxLimit} (default {DefaultLimit}).")
            .Produces<ProductSearchResult>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return products;
    }

    static async Task<IResult> SearchAsync(
        string? source, string? sourceId, string? textPrefix, int? limit, ProductsDbContext db, ILoadSagaRepository<ProductState> sagas,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (ProductTextRules.Source(source) is { } sourceProblem) errors["source"] = [sourceProblem];
        if (string.IsNullOrWhiteSpace(sourceId) == string.IsNullOrWhiteSpace(textPrefix))
            errors[string.IsNullOrWhiteSpace(sourceId) ? "sourceId" : "textPrefix"] = ["give either sourceId or textPrefix, not both and not neither."];
        else if (ProductTextRules.SourceId(sourceId) is { } idProblem) errors["sourceId"] = [idProblem];
        else if (textPrefix is { Length: > MaxPrefixChars }) errors["textPrefix"] = [$"must be at most {MaxPrefixChars} characters, was {textPrefix.Length}."];
        if (limit is < 1 or > MaxLimit) errors["limit"] = [$"must be within [1, {MaxLimit}], was {limit}."];
        if (errors.Count > 0) return Results.ValidationProblem(errors, title: "The search is not valid");

        var take = limit ?? DefaultLimit;
        var ofSource = db.Products.Where(p => p.Source == source);
        IQueryable<ProductRecord> query;
        string note;
        if (!string.IsNullOrWhiteSpace(sourceId))
        {
            query = ofSource.Where(p => p.SourceId == sourceId);
            note = "Stored records of this source and source id, and the product the pair names if it is not stored (yet).";
        }
        else
        {
            var prefix = textPrefix!.ToLowerInvariant();
            query = ofSource.OrderBy(p => p.SourceId).ThenBy(p => p.ProductId).Take(ScanLimit).Where(p => p.Text.ToLower().StartsWith(prefix));
            note = $"Text prefix: searched among the first {ScanLimit:N0} stored records of this source (in source-id order), not the whole " +
                   "table; products not stored yet are not searched by text.";
        }

        var records = await query.Take(take)
            .Select(p => new { p.ProductId, p.Source, p.SourceId, p.Text, p.Category, p.UpdatedAt })
            .ToListAsync(cancellationToken);
        var found = new List<ProductFound>();
        foreach (var record in records)
        {
            var saga = await sagas.Load(record.ProductId);
            found.Add(new ProductFound(record.ProductId, record.Source, record.SourceId, Shorten(record.Text), record.Category, saga?.CurrentState, record.UpdatedAt));
        }

        // Posted without an id, a product's id is its source and source id's: found in the saga store before (or without) a record.
        if (!string.IsNullOrWhiteSpace(sourceId) && found.Count < take && ProductIds.For(source!, sourceId) is var named &&
            found.All(f => f.Id != named) && await sagas.Load(named) is { } pending)
            found.Add(new ProductFound(named, pending.Source, pending.SourceId, Shorten(pending.Text), pending.Category, pending.CurrentState, null));

        return Results.Ok(new ProductSearchResult(source!, sourceId, textPrefix, note, found));
    }

    static string Shorten(string? text) => text is null ? "" : text.Length <= ShownTextChars ? text : text[..ShownTextChars] + "…";
}

/// <summary>What a search found, and how far it looked (<paramref name="Note"/>).</summary>
public sealed record ProductSearchResult(string Source, string? SourceId, string? TextPrefix, string Note, IReadOnlyList<ProductFound> Products);

/// <summary>A product found: its id, upstream name, the start of its text, category, saga state (null once expired), and when its record was stored.</summary>
public sealed record ProductFound(Guid Id, string Source, string? SourceId, string Text, string? Category, string? State, DateTimeOffset? StoredAt);
