using Inference.Gateway.Products;
using Inference.Gateway.Reprocessing;
using Inference.Gateway.Security;

namespace Inference.Gateway.Pipeline;

/// <summary>The pipeline resource: queues from the broker, stages, states and faults from the events this gateway heard.</summary>
public static class PipelineEndpoints
{
    public static IEndpointRouteBuilder MapPipeline(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/pipeline", GetAsync)
            .RequireAuthorization(GatewayPolicies.Read)
            .WithTags("Pipeline")
            .WithName("GetPipeline")
            .WithSummary("Queues, throughput and latency per stage, products by state, latest faults, the newest messages of each _error and _skipped queue")
            .Produces<PipelineView>();
        routes.MapWaitingProducts();
        return routes;
    }

    static async Task<IResult> GetAsync(
        RabbitMqQueues queues, DeadLetterQueues deadLetters, PipelineStatistics statistics, BackPressure backPressure, ReprocessJobs reprocessing,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var report = await queues.GetAsync(cancellationToken);
        var kept = await deadLetters.GetAsync(report, cancellationToken);
        var pressure = await backPressure.ReadAsync(cancellationToken);
        var activity = statistics.Snapshot(pressure.InFlight.Measured);
        return Results.Ok(new PipelineView(clock.GetUtcNow(), report, pressure, activity.WindowSeconds, activity.Stages, activity.States,
            activity.Faults, reprocessing.Views(), kept));
    }
}

/// <summary>Everything the dashboard shows, in one answer.</summary>
/// <param name="BackPressure">The classify queue's depth and the products in flight against <c>Gateway:BackPressure</c>; refusing while over.</param>
/// <param name="Reprocessing">The latest re-enrichment jobs of this gateway, with their progress.</param>
public sealed record PipelineView(
    DateTimeOffset GeneratedAt,
    QueueReport Queues,
    BackPressureReading BackPressure,
    int WindowSeconds,
    IReadOnlyList<StageRow> Stages,
    StateCounts States,
    IReadOnlyList<FaultSnapshot> Faults,
    IReadOnlyList<ReprocessJobView> Reprocessing,
    IReadOnlyList<DeadLetterQueue> DeadLetters);
