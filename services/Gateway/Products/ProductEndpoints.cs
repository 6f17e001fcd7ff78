using System.Text.Json;
using Inference.Contracts;
using Inference.Gateway.Security;
using Inference.Sagas;
using Inference.Data;
using MassTransit;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Inference.Gateway.Products;

/// <summary>The products resource: post products, read a product's saga state and its stored record.</summary>
public static class ProductEndpoints
{
    public static IEndpointRouteBuilder MapProducts(this IEndpointRouteBuilder routes)
    {
        var products = routes.MapGroup("/v1/products").WithTags("Products");

        products.MapPost("/", PostAsync)
            .RequireAuthorization(GatewayPolicies.Write)
            .WithName("PostProducts")
            .WithSummary("Submit one product or a batch")
            .WithDescription("The body is one product (a JSON object) or a batch (a JSON array of them). Each is published as " +
                             "ProductTextReceived and answered with its id and location. All or nothing: one bad record refuses the batch, " +
                             "and the problem lists every bad record by index and field. Idempotent on id.")
            // No Accepts<T>(): routing would answer a wrong content type with a bare 415; the handler says what was wrong.
            .WithMetadata(new ProductSubmissionBodyMetadata())
            .Produces<ProductAccepted>(StatusCodes.Status202Accepted)
            .Produces<ProductsAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        products.MapGet("/{id}", GetStateAsync)
            .RequireAuthorization(GatewayPolicies.Read)
            .WithName("GetProduct")
            .WithSummary("A product's saga state")
            .Produces<ProductStateView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        products.MapGet("/{id}/record", GetRecordAsync)
            .RequireAuthorization(GatewayPolicies.Read)
            .WithName("GetProductRecord")
            .WithSummary("A product's stored record")
            .Produces<ProductRecordView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return routes;
    }

    static async Task<IResult> PostAsync(
        HttpRequest request,
        ProductSubmissionReader reader,
        ProductTextRules rules,
        IPublishEndpoint publisher,
        IOptions<GatewayOptions> options,
        IProblemDetailsService problems,
        ILogger<ProductSubmissionReader> logger,
        CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "The body must be JSON",
                detail: $"Content-Type must be application/json, was '{request.ContentType ?? "(none)"}'.");
        }

        var limit = options.Value.MaxRequestBytes(rules.MaxTextBytes);
        if (request.ContentLength > limit) return TooLarge(limit);
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = limit;

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = 32 }, cancellationToken);
        }
        catch (JsonException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The body is not valid JSON", detail: e.Message);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(limit);
        }

        ProductSubmissionResult result;
        using (document)
            result = reader.Read(document.RootElement);

        if (!result.IsValid)
        {
            if (result.Errors is null)
                return Results.Problem(statusCode: result.Status, title: result.Title, detail: result.Detail);
            return Results.ValidationProblem(result.Errors, result.Detail, title: result.Title,
                extensions: new Dictionary<string, object?> { ["invalidRecords"] = result.InvalidRecords });
        }

        var receivedAt = DateTimeOffset.UtcNow;
        try
        {
            // Bounded: while the broker is down a publish would wait for it; the caller is told to come back instead (same ids: no duplicates).
            await Task.WhenAll(result.Products.Select(p =>
                    publisher.Publish(new ProductTextReceived(p.Id, p.Source, p.SourceId, p.Text, receivedAt), cancellationToken)))
                .WaitAsync(options.Value.PublishTimeout, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or MassTransitException)
        {
            logger.LogWarning("POST /v1/products: {Server} did not confirm {Count} product(s) within {Timeout} ({Reason}); answered 503",
                DependencyOutages.Broker, result.Products.Count, options.Value.PublishTimeout, e.Message);
            await DependencyOutages.WriteAsync(request.HttpContext, problems, DependencyOutages.Broker);
            return Results.Empty;
        }

        var accepted = result.Products.Select(p => new ProductAccepted(p.Id, LocationOf(request, p.Id))).ToArray();
        return result.IsBatch
            ? Results.Json(new ProductsAccepted(accepted.Length, accepted), statusCode: StatusCodes.Status202Accepted)
            : Results.Accepted(accepted[0].Location, accepted[0]);
    }

    static async Task<IResult> GetStateAsync(string id, HttpRequest request, ILoadSagaRepository<ProductState> sagas)
    {
        if (!Guid.TryParse(id, out var productId)) return NotAGuid(id);
        var saga = await sagas.Load(productId);
        return saga is null
            ? Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such product",
                detail: $"The pipeline knows no product {productId}.")
            : Results.Ok(ProductStateView.From(saga, LocationOf(request, productId)));
    }

    static async Task<IResult> GetRecordAsync(string id, ProductsDbContext db, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var productId)) return NotAGuid(id);
        var record = await db.Products.AsNoTracking().FirstOrDefaultAsync(p => p.ProductId == productId, cancellationToken);
        return record is null
            ? Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No stored record",
                detail: $"The store holds no record of product {productId} (yet: a product is stored at the end of its run).")
            : Results.Ok(ProductRecordView.From(record));
    }

    /// <summary>Marks the endpoint whose request body <see cref="ApiDocs"/> describes: one product or an array of them.</summary>
    public sealed class ProductSubmissionBodyMetadata;

    static string LocationOf(HttpRequest request, Guid id) => $"{request.PathBase}/v1/products/{id}";

    static IResult NotAGuid(string id) => Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not a product id",
        detail: $"'{(id.Length > 60 ? id[..60] + "…" : id)}' is not a GUID.");

    static IResult TooLarge(long limit) => Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The body is too large",
        detail: $"The body is over {limit:N0} bytes, the most a full batch (Gateway:MaxBatchSize, Products:MaxTextBytes) can need: split it.");
}
