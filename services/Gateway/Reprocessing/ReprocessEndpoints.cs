using Inference.Gateway.Security;
using Microsoft.Extensions.Options;

namespace Inference.Gateway.Reprocessing;

/// <summary>The reprocess resource: start a re-enrichment job over stored products, follow it, cancel it.</summary>
public static class ReprocessEndpoints
{
    public static IEndpointRouteBuilder MapReprocessing(this IEndpointRouteBuilder routes)
    {
        var reprocess = routes.MapGroup("/v1/reprocess").WithTags("Reprocessing");

        reprocess.MapPost("/", StartAsync)
            .RequireAuthorization(GatewayPolicies.Write)
            .WithName("Reprocess")
            .WithSummary("Send matching stored products through the pipeline again")
            .WithDescription("Each matching stored product runs again as its next revision with the models serving now, at the job's " +
                             "rate and never past the back-pressure limits. Filters: a stage's model below a version, category, source, " +
                             "stored before a time. The job's progress is at its location and on /v1/pipeline.")
            .Produces<ReprocessJobView>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        reprocess.MapGet("/", (ReprocessJobs jobs) => Results.Ok(jobs.Views()))
            .RequireAuthorization(GatewayPolicies.Read)
            .WithName("ReprocessJobs")
            .WithSummary("This gateway's latest re-enrichment jobs")
            .Produces<IReadOnlyList<ReprocessJobView>>();

        reprocess.MapGet("/{id:guid}", (Guid id, ReprocessJobs jobs) => jobs.Find(id) is { } job ? Results.Ok(job.View()) : NotFound(id))
            .RequireAuthorization(GatewayPolicies.Read)
            .WithName("ReprocessJob")
            .WithSummary("One re-enrichment job's progress")
            .Produces<ReprocessJobView>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        reprocess.MapDelete("/{id:guid}", async (Guid id, ReprocessJobs jobs) =>
            {
                if (jobs.Find(id) is not { } job) return NotFound(id);
                await job.Cancellation.CancelAsync();
                return Results.Accepted($"/v1/reprocess/{id}", job.View());
            })
            .RequireAuthorization(GatewayPolicies.Write)
            .WithName("CancelReprocessJob")
            .WithSummary("Stop a re-enrichment job; what it sent stays sent")
            .Produces<ReprocessJobView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return routes;
    }

    static IResult StartAsync(ReprocessRequest request, HttpRequest http, ReprocessJobs jobs, IOptions<GatewayOptions> options)
    {
        var errors = request.Validate(options.Value.Reprocess);
        if (errors.Count > 0) return Results.ValidationProblem(errors, title: "The reprocess request is not valid");
        var job = jobs.Start(request);
        return Results.Accepted($"{http.PathBase}/v1/reprocess/{job.Id}", job.View());
    }

    static IResult NotFound(Guid id) => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such job",
        detail: $"This gateway runs or remembers no re-enrichment job {id} (a job is known to the gateway that runs it).");
}
