using Inference.Gateway.Products;
using Inference.Gateway.Reprocessing;
using Inference.Gateway.Security;

namespace Inference.Gateway.Pipeline;

/// <summary>
/// The pipeline resource: queues from the broker; stages, runs ended and latest faults from shared state (the history's samples,
/// the saga store), so every gateway replica answers the same; the history the dashboard's charts draw.
/// </summary>
public static class PipelineEndpoints
{
    public static IEndpointRouteBuilder MapPipeline(this IEndpointRouteBuilder routes)
    {
        var pipeline = routes.MapGroup("/v1/pipeline").RequireAuthorization(GatewayPolicies.Read).WithTags("Pipeline");
        pipeline.MapGet("", GetAsync)
            .WithName("GetPipeline")
            .WithSummary("Queues, throughput and latency per stage, products by state, latest faults, the newest messages of each _error and _skipped queue")
            .WithDescription("Answers while Redis is down too: the broker's figures, and history.unavailable saying why the rest is missing.")
            .Produces<PipelineView>();
        pipeline.MapGet("/history", GetHistoryAsync)
            .WithName("GetPipelineHistory")
            .WithSummary("Samples of the last Gateway:History:Keep (15 min): queue depths and consumers, products per second, p50/p95 per stage, faults")
            .WithDescription("One sample every Gateway:History:SampleEvery (5 s), taken by whichever gateway holds the sampler's lease and kept " +
                             "in Redis beside the product states: every replica answers the same, and a restart loses nothing.")
            .Produces<PipelineHistoryView>()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        pipeline.MapGet("/consumers", async (RabbitMqQueues queues, CancellationToken cancellationToken) => Results.Ok(await queues.ConsumersAsync(cancellationToken)))
            .WithName("GetPipelineConsumers")
            .WithSummary("Who consumes each pipeline queue: every consumer with its connection, host and prefetch, from the RabbitMQ management API")
            .Produces<ConsumerReport>();
        routes.MapWaitingProducts();
        return routes;
    }

    static async Task<IResult> GetAsync(
        RabbitMqQueues queues, DeadLetterQueues deadLetters, PipelineFigures figures, BackPressure backPressure, ReprocessJobs reprocessing,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        // Asked at once: while a server is down, each waits out its own timeout, not one after the other.
        var reading = queues.GetAsync(cancellationToken);
        var measuring = backPressure.ReadAsync(cancellationToken);
        var sampled = figures.StagesAsync();
        var faulting = figures.LatestFaultsAsync();
        var report = await reading;
        var kept = await deadLetters.GetAsync(report, cancellationToken);
        var pressure = await measuring;
        var (stages, totals, status) = await sampled;
        var known = status.Unavailable is null;
        var states = new StateCounts(totals.Since,
        [
            new StateCount("In flight", pressure.InFlight.Measured),
            new StateCount("Completed", known ? totals.Completed : null),
            new StateCount("Faulted", known ? totals.Faulted : null),
        ]);
        return Results.Ok(new PipelineView(clock.GetUtcNow(), report, pressure, (int)PipelineFigures.LastMinute.TotalSeconds, stages, states,
            await faulting, reprocessing.Views(), kept, status));
    }

    static async Task<IResult> GetHistoryAsync(PipelineFigures figures) => Results.Ok(await figures.HistoryAsync());
}

/// <summary>Everything the dashboard shows, in one answer.</summary>
/// <param name="BackPressure">The classify queue's depth and the products in flight against <c>Gateway:BackPressure</c>; refusing while over.</param>
/// <param name="Stages">Each stage over the last minute, from the history's samples (as of <c>History.SampledUntil</c>).</param>
/// <param name="Faults">The latest Faulted products, from the saga store's faulted index.</param>
/// <param name="Reprocessing">The latest re-enrichment jobs of this gateway, with their progress.</param>
/// <param name="History">Where the figures come from, how fresh they are, and what this gateway does for them.</param>
public sealed record PipelineView(
    DateTimeOffset GeneratedAt,
    QueueReport Queues,
    BackPressureReading BackPressure,
    int WindowSeconds,
    IReadOnlyList<StageRow> Stages,
    StateCounts States,
    IReadOnlyList<FaultSnapshot> Faults,
    IReadOnlyList<ReprocessJobView> Reprocessing,
    IReadOnlyList<DeadLetterQueue> DeadLetters,
    HistoryStatus History);
