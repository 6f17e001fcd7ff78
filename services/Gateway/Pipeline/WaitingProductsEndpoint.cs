using Inference.Gateway.Security;
using Inference.Sagas;
using Inference.Sagas.Redis;

namespace Inference.Gateway.Pipeline;

/// <summary>
/// <c>GET /v1/pipeline/waiting</c>: how many products wait on each stage now, read from the saga store's per-state sets (the
/// figure the Orchestrators serve as <c>inference_stage_products</c>), so every Gateway replica answers the same and a restart
/// loses nothing.
/// </summary>
public static class WaitingProductsEndpoint
{
    public static IEndpointRouteBuilder MapWaitingProducts(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/pipeline/waiting", GetAsync)
            .RequireAuthorization(GatewayPolicies.Read)
            .WithTags("Pipeline")
            .WithName("GetWaitingProducts")
            .WithSummary("Products waiting on each stage now, from the saga store")
            .Produces<WaitingProducts>();
        return routes;
    }

    static async Task<IResult> GetAsync(IServiceProvider services, TimeProvider clock)
    {
        // Only the Redis repository keeps the counts; an in-memory one (tests, a single process) has no shared truth to tell.
        if (services.GetService<RedisSagaStore<ProductState>>() is not { } store)
            return Results.Ok(new WaitingProducts(clock.GetUtcNow(), false, "SagaRepository:Kind is not Redis: no shared saga store to count in.", null));
        return Results.Ok(new WaitingProducts(clock.GetUtcNow(), true, null, await new RedisInFlightProducts(store).CountByStage()));
    }
}

/// <summary>Products waiting per stage (<see cref="Stage"/> names), or why they cannot be counted.</summary>
public sealed record WaitingProducts(DateTimeOffset GeneratedAt, bool Available, string? Reason, IReadOnlyDictionary<string, long>? Stages);
