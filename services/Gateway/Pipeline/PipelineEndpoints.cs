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

    static async Task<IResult> GetAsync(RabbitMqQueues queues, DeadLetterQueues deadLetters, PipelineStatistics statistics, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var report = await queues.GetAsync(cancellationToken);
        var kept = await deadLetters.GetAsync(report, cancellationToken);
        var activity = statistics.Snapshot();
        return Results.Ok(new PipelineView(clock.GetUtcNow(), report, activity.WindowSeconds, activity.Stages, activity.States, activity.Faults, kept));
    }
}

/// <summary>Everything the dashboard shows, in one answer.</summary>
public sealed record PipelineView(
    DateTimeOffset GeneratedAt,
    QueueReport Queues,
    int WindowSeconds,
    IReadOnlyList<StageRow> Stages,
    StateCounts States,
    IReadOnlyList<FaultSnapshot> Faults,
    IReadOnlyList<DeadLetterQueue> DeadLetters);
