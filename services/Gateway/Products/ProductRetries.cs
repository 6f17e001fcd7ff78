using Inference.Contracts;
using Inference.Gateway.Security;
using Inference.Sagas;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Inference.Gateway.Products;

/// <summary>
/// Retrying Faulted products: one by id, or every one a filter matches (stage, fault reason, time). Each is a
/// <see cref="RetryProduct"/> sent to the saga, which runs the product again from the stage that failed.
/// </summary>
public static class ProductRetries
{
    /// <summary>The most Faulted products one retry by filter looks at; past it the answer says so, and the caller asks again.</summary>
    public const int ScanLimit = 10_000;

    public static RouteGroupBuilder MapProductRetries(this RouteGroupBuilder products)
    {
        products.MapPost("/{id}/retry", RetryOneAsync)
            .RequireAuthorization(GatewayPolicies.Write)
            .WithName("RetryProduct")
            .WithSummary("Run a Faulted product again from the stage that failed")
            .WithDescription("The saga leaves Faulted for the stage that failed, sends its command again and counts the attempt " +
                             "(attempt in the product's state). 409 when the product is not Faulted.")
            .Produces<ProductRetried>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        products.MapPost("/retry", RetryManyAsync)
            .RequireAuthorization(GatewayPolicies.Write)
            .WithName("RetryProducts")
            .WithSummary("Run again every Faulted product a filter matches")
            .WithDescription("Filters by the stage that failed, a part of the fault's reason, and when it faulted; at most limit " +
                             "products (Gateway:MaxBatchSize), the oldest fault first. dryRun lists them without retrying.")
            .Produces<ProductsRetried>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return products;
    }

    static async Task<IResult> RetryOneAsync(
        string id, HttpRequest request, ILoadSagaRepository<ProductState> sagas, ISendEndpointProvider sender, IOptions<GatewayOptions> options,
        IProblemDetailsService problems, ILogger<ProductRetried> logger, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var productId)) return ProductEndpoints.NotAGuid(id);
        var saga = await sagas.Load(productId);
        if (saga is null)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such product", detail: $"The pipeline knows no product {productId}.");
        if (saga.CurrentState != nameof(ProductStateMachine.Faulted))
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The product is not Faulted",
                detail: $"Product {productId} is {saga.CurrentState}: only a Faulted product runs again. (A changed text runs again as a new " +
                        "revision when posted; stored products run again with POST /v1/reprocess.)");

        var retried = new[] { Retried(request, saga) };
        return await SendAsync(request, sender, retried, options.Value, problems, logger, cancellationToken) ??
               Results.Accepted(retried[0].Location, retried[0]);
    }

    static async Task<IResult> RetryManyAsync(
        RetryFilter filter, HttpRequest request, IFaultedProducts faulted, ILoadSagaRepository<ProductState> sagas, ISendEndpointProvider sender,
        IOptions<GatewayOptions> options, TimeProvider clock, IProblemDetailsService problems, ILogger<ProductRetried> logger,
        CancellationToken cancellationToken)
    {
        var limit = filter.Limit ?? options.Value.MaxBatchSize;
        var errors = filter.Validate(options.Value.MaxBatchSize);
        if (errors.Count > 0) return Results.ValidationProblem(errors, title: "The retry filter is not valid");

        var candidates = await faulted.Between(filter.FaultedAfter ?? DateTimeOffset.UnixEpoch, filter.FaultedBefore ?? clock.GetUtcNow(), ScanLimit);
        var matched = new List<ProductRetried>();
        foreach (var productId in candidates)
        {
            var saga = await sagas.Load(productId);
            if (saga is null || saga.CurrentState != nameof(ProductStateMachine.Faulted) || !filter.Matches(saga)) continue;
            matched.Add(Retried(request, saga));
            if (matched.Count == limit) break;
        }

        if (!filter.DryRun && matched.Count > 0 &&
            await SendAsync(request, sender, matched, options.Value, problems, logger, cancellationToken) is { } outage)
            return outage;
        return Results.Json(new ProductsRetried(candidates.Count, matched.Count, filter.DryRun, candidates.Count == ScanLimit, matched),
            statusCode: StatusCodes.Status202Accepted);
    }

    static ProductRetried Retried(HttpRequest request, ProductState saga) =>
        new(saga.CorrelationId, ProductEndpoints.LocationOf(request, saga.CorrelationId), saga.FaultStage, saga.FaultReason, saga.FaultedAt, saga.Attempt + 1);

    /// <summary>Sends the retries to the saga's queue; an answer only when the broker did not take them (503), null when sent.</summary>
    static async Task<IResult?> SendAsync(HttpRequest request, ISendEndpointProvider sender, IReadOnlyList<ProductRetried> products, GatewayOptions options,
        IProblemDetailsService problems, ILogger logger, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        try
        {
            var saga = await sender.GetSendEndpoint(new Uri($"queue:{QueueNames.ProductState}"));
            await Task.WhenAll(products.Select(p => saga.Send(new RetryProduct(p.Id, now), cancellationToken))).WaitAsync(options.PublishTimeout, cancellationToken);
            return null;
        }
        catch (Exception e) when (e is TimeoutException or MassTransitException)
        {
            logger.LogWarning("{Path}: {Server} did not confirm {Count} retries within {Timeout} ({Reason}); answered 503",
                request.Path, DependencyOutages.Broker, products.Count, options.PublishTimeout, e.Message);
            await DependencyOutages.WriteAsync(request.HttpContext, problems, DependencyOutages.Broker);
            return Results.Empty;
        }
    }
}

/// <summary>Which Faulted products to run again; every part optional.</summary>
/// <param name="Stage">The stage that failed (classify, classify-deep, extract, validate, store).</param>
/// <param name="Reason">A part of the fault's reason, any case (e.g. <c>TimeoutException</c>, <c>StageTimedOut</c>).</param>
/// <param name="FaultedAfter">Faulted at or after this time.</param>
/// <param name="FaultedBefore">Faulted at or before this time.</param>
/// <param name="Limit">The most products to retry (default and most: Gateway:MaxBatchSize).</param>
/// <param name="DryRun">List what would be retried, retry nothing.</param>
public sealed record RetryFilter(string? Stage, string? Reason, DateTimeOffset? FaultedAfter, DateTimeOffset? FaultedBefore, int? Limit, bool DryRun)
{
    static readonly string[] Stages = [Inference.Sagas.Stage.Classify, Inference.Sagas.Stage.ClassifyDeep, Inference.Sagas.Stage.Extract,
        Inference.Sagas.Stage.Validate, Inference.Sagas.Stage.Store];

    public Dictionary<string, string[]> Validate(int maxLimit)
    {
        var errors = new Dictionary<string, string[]>();
        if (Stage is not null && !Stages.Contains(Stage))
            errors["stage"] = [$"'{Stage}' is not a stage (one of {string.Join(", ", Stages)})."];
        if (Limit is { } limit && (limit < 1 || limit > maxLimit))
            errors["limit"] = [$"must be within [1, {maxLimit}] (Gateway:MaxBatchSize), was {limit}."];
        if (FaultedAfter > FaultedBefore)
            errors["faultedAfter"] = ["is after faultedBefore."];
        return errors;
    }

    public bool Matches(ProductState saga) =>
        (Stage is null || saga.FaultStage == Stage) &&
        (string.IsNullOrEmpty(Reason) || saga.FaultReason?.Contains(Reason, StringComparison.OrdinalIgnoreCase) == true);
}

/// <summary>A product sent to run again: where it failed and why, and the attempt it starts.</summary>
public sealed record ProductRetried(Guid Id, string Location, string? FromStage, string? Reason, DateTimeOffset? FaultedAt, int Attempt);

/// <summary>What a retry by filter did: Faulted products looked at, how many matched (and were retried, unless a dry run).</summary>
/// <param name="More">The look stopped at <see cref="ProductRetries.ScanLimit"/> faults: ask again for the rest.</param>
public sealed record ProductsRetried(int Scanned, int Matched, bool DryRun, bool More, IReadOnlyList<ProductRetried> Products);
