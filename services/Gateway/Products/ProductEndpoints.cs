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
                             "and the problem lists every bad record by index and field. Idempotent on id; a record without id nor sourceId " +
                             "is idempotent under an Idempotency-Key header (for Gateway:IdempotencyWindow). 429 with Retry-After while the " +
                             "pipeline is behind (Gateway:BackPressure, shown on /v1/pipeline).")
            // No Accepts<T>(): routing would answer a wrong content type with a bare 415; the handler says what was wrong.
            .WithMetadata(new ProductSubmissionBodyMetadata())
            .Produces<ProductAccepted>(StatusCodes.Status202Accepted)
            .Produces<ProductsAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        products.MapProductRetries();
        products.MapProductSearch();

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

    /// <summary>The header a client sets so that repeating a POST (after a lost answer) makes no second product.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    const int MaxIdempotencyKeyLength = 255;

    static async Task<IResult> PostAsync(
        HttpRequest request,
        ProductSubmissionReader reader,
        ProductTextRules rules,
        IPublishEndpoint publisher,
        BackPressure backPressure,
        IIdempotencyKeys idempotencyKeys,
        IOptions<GatewayOptions> options,
        IProblemDetailsService problems,
        ILogger<ProductSubmissionReader> logger,
        CancellationToken cancellationToken)
    {
        var pressure = await backPressure.ReadAsync(cancellationToken);
        if (pressure.Refusing) return Behind(request.HttpContext, pressure);

        string? idempotencyKey = request.Headers[IdempotencyKeyHeader];
        if (idempotencyKey is { Length: 0 or > MaxIdempotencyKeyLength })
            return Results.ValidationProblem(
                new Dictionary<string, string[]> { [IdempotencyKeyHeader] = [$"must be 1 to {MaxIdempotencyKeyLength} characters, was {idempotencyKey.Length}."] },
                title: "The Idempotency-Key header is not valid");

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

        IReadOnlyList<Guid> ids = result.Products.Select(p => p.Id ?? Guid.CreateVersion7()).ToArray();
        if (idempotencyKey is not null && result.Products.Any(p => p.Id is null))
        {
            // A record with no id of its own gets the one the first request under this key got.
            var hash = IdempotentRequest.HashOf(result.Products);
            var kept = await idempotencyKeys.RememberAsync(
                IIdempotencyKeys.Scope(request.Headers[ApiKeyDefaults.Header], idempotencyKey), new IdempotentRequest(hash, ids), options.Value.IdempotencyWindow);
            if (kept.Hash != hash || kept.Ids.Count != ids.Count)
                return Results.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "The Idempotency-Key was used for other products",
                    detail: $"A request with this Idempotency-Key posted other products within the last {options.Value.IdempotencyWindow:g}: " +
                            "a key stands for one request, repeated as it was. Use a new key for new products.");
            ids = kept.Ids;
        }

        var receivedAt = DateTimeOffset.UtcNow;
        try
        {
            // Bounded: while the broker is down a publish would wait for it; the caller is told to come back instead (same ids: no duplicates).
            // Mandatory: a product no queue takes (no Orchestrator has yet declared and bound its queue) comes back instead of being dropped.
            await Task.WhenAll(result.Products.Select((p, i) =>
                    publisher.Publish(new ProductTextReceived(ids[i], p.Source, p.SourceId, p.Text, receivedAt), context => context.Mandatory = true, cancellationToken)))
                .WaitAsync(options.Value.PublishTimeout, cancellationToken);
        }
        catch (MessageReturnedException e)
        {
            logger.LogWarning("POST /v1/products: no queue takes {MessageType} ({Reason}); answered 503", nameof(ProductTextReceived), e.Message);
            await DependencyOutages.WriteAsync(request.HttpContext, problems, "No queue takes products yet",
                $"RabbitMQ has no queue bound for {nameof(ProductTextReceived)}: no Orchestrator has started on this virtual host yet. Nothing was accepted.");
            return Results.Empty;
        }
        catch (Exception e) when (e is TimeoutException or MassTransitException)
        {
            logger.LogWarning("POST /v1/products: {Server} did not confirm {Count} product(s) within {Timeout} ({Reason}); answered 503",
                DependencyOutages.Broker, result.Products.Count, options.Value.PublishTimeout, e.Message);
            await DependencyOutages.WriteAsync(request.HttpContext, problems, DependencyOutages.Broker);
            return Results.Empty;
        }

        var accepted = ids.Select(id => new ProductAccepted(id, LocationOf(request, id))).ToArray();
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

    internal static string LocationOf(HttpRequest request, Guid id) => $"{request.PathBase}/v1/products/{id}";

    /// <summary>429: the pipeline is further behind than its limits; the caller is told when to come back and why.</summary>
    static IResult Behind(HttpContext context, BackPressureReading pressure)
    {
        context.Response.Headers.RetryAfter = pressure.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var why = pressure.ClassifyQueue.Over
            ? $"the classify queue holds {pressure.ClassifyQueue.Measured:N0} messages, over Gateway:BackPressure:MaxClassifyQueue ({pressure.ClassifyQueue.Limit:N0})"
            : $"{pressure.InFlight.Measured:N0} products are in flight, over Gateway:BackPressure:MaxInFlight ({pressure.InFlight.Limit:N0})";
        return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "The pipeline is behind",
            detail: $"Nothing was accepted: {why}. Try again in {pressure.RetryAfterSeconds} s.");
    }

    internal static IResult NotAGuid(string id) => Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not a product id",
        detail: $"'{(id.Length > 60 ? id[..60] + "…" : id)}' is not a GUID.");

    static IResult TooLarge(long limit) => Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The body is too large",
        detail: $"The body is over {limit:N0} bytes, the most a full batch (Gateway:MaxBatchSize, Products:MaxTextBytes) can need: split it.");
}
