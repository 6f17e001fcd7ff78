using Inference.Contracts;
using Inference.Data;
using Inference.Gateway.Products;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Inference.Gateway.Reprocessing;

/// <summary>
/// Re-enrichment jobs: each pages through the stored products (by id, in the database's order), keeps those its filter matches,
/// and sends each a <see cref="ReprocessProduct"/> at the job's rate, waiting whenever the pipeline is past its back-pressure
/// limits. A job lives in the gateway that runs it (its progress on that gateway's <c>/v1/pipeline</c>); stopped with the
/// gateway, it is started again by posting the same filter: a filter on a model version no longer matches what was redone.
/// </summary>
public sealed class ReprocessJobs(
    IServiceScopeFactory scopes, ISendEndpointProvider sender, BackPressure backPressure, IOptions<GatewayOptions> options, TimeProvider clock,
    ILogger<ReprocessJobs> logger) : IHostedService
{
    const int PageSize = 500;

    readonly CancellationTokenSource _stopping = new();
    readonly LinkedList<ReprocessJob> _jobs = new();

    public ReprocessJob Start(ReprocessRequest request)
    {
        var job = new ReprocessJob(Guid.CreateVersion7(), request, request.Rate ?? options.Value.Reprocess.DefaultRate, clock.GetUtcNow());
        lock (_jobs)
        {
            _jobs.AddFirst(job);
            // Finished jobs beyond the kept number are let go, oldest first; running ones always stay.
            for (var node = _jobs.Last; node is not null && _jobs.Count > options.Value.Reprocess.JobsKept;)
            {
                var newer = node.Previous;
                if (node.Value.Finished) _jobs.Remove(node);
                node = newer;
            }
        }

        job.Run = Task.Run(() => RunAsync(job, CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, job.Cancellation.Token).Token));
        return job;
    }

    public ReprocessJob? Find(Guid id)
    {
        lock (_jobs) return _jobs.FirstOrDefault(j => j.Id == id);
    }

    public IReadOnlyList<ReprocessJobView> Views()
    {
        lock (_jobs) return _jobs.Select(j => j.View()).ToArray();
    }

    async Task RunAsync(ReprocessJob job, CancellationToken cancellationToken)
    {
        var request = job.Request;
        var interval = TimeSpan.FromSeconds(1 / job.Rate);
        var next = clock.GetUtcNow();
        try
        {
            var saga = await sender.GetSendEndpoint(new Uri($"queue:{QueueNames.ProductState}"));
            Guid? after = null;
            while (true)
            {
                var page = await PageAsync(request, after, cancellationToken);
                if (page.Count == 0) break;
                after = page[^1].ProductId;
                foreach (var record in page)
                {
                    job.Scanned++;
                    if (!request.MatchesModels(record.Models)) continue;
                    job.Matched++;
                    if (!request.DryRun)
                    {
                        next = await PaceAsync(job, next, interval, cancellationToken);
                        await saga.Send(new ReprocessProduct(record.ProductId, record.Source, record.SourceId, record.Text, record.ReceivedAt,
                            record.Revision, clock.GetUtcNow()), cancellationToken);
                        job.Sent++;
                    }

                    if (job.Matched == request.Limit) return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            job.Error = _stopping.IsCancellationRequested ? "the gateway stopped; post the filter again to go on" : "cancelled";
        }
        catch (Exception e)
        {
            job.Error = $"{e.GetType().Name}: {e.Message}";
            logger.LogWarning("Reprocessing job {Job} stopped after sending {Sent} of {Matched} products: {Reason}", job.Id, job.Sent, job.Matched, job.Error);
        }
        finally
        {
            job.WaitingSince = null;
            job.FinishedAt = clock.GetUtcNow();
            logger.LogInformation("Reprocessing job {Job} finished: {Scanned} stored products looked at, {Matched} matched, {Sent} sent",
                job.Id, job.Scanned, job.Matched, job.Sent);
        }
    }

    /// <summary>One page of stored products after <paramref name="after"/>, filtered by what the database can filter on.</summary>
    async Task<List<ProductRecord>> PageAsync(ReprocessRequest request, Guid? after, CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ProductsDbContext>();
        var query = db.Products.AsNoTracking();
        if (after is { } last) query = query.Where(p => p.ProductId > last);
        if (request.Category is { } category) query = query.Where(p => p.Category == category);
        if (request.Source is { } source) query = query.Where(p => p.Source == source);
        if (request.StoredBefore is { } before) query = query.Where(p => p.UpdatedAt < before);
        return await query.OrderBy(p => p.ProductId).Take(PageSize).ToListAsync(cancellationToken);
    }

    /// <summary>Waits for the product's turn at the job's rate, and while the pipeline is past its back-pressure limits.</summary>
    async Task<DateTimeOffset> PaceAsync(ReprocessJob job, DateTimeOffset next, TimeSpan interval, CancellationToken cancellationToken)
    {
        while ((await backPressure.ReadAsync(cancellationToken)) is { Refusing: true } pressure)
        {
            job.WaitingSince ??= clock.GetUtcNow();
            await Task.Delay(TimeSpan.FromSeconds(pressure.RetryAfterSeconds), clock, cancellationToken);
        }

        job.WaitingSince = null;
        var now = clock.GetUtcNow();
        if (next > now) await Task.Delay(next - now, clock, cancellationToken);
        // After a wait the job goes on at its rate, not in a burst to catch up.
        return (next > now ? next : now) + interval;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        Task[] running;
        lock (_jobs) running = _jobs.Select(j => j.Run).OfType<Task>().ToArray();
        await Task.WhenAll(running).WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}

/// <summary>One re-enrichment job and its progress (counts are written by the job alone, read by anyone).</summary>
public sealed class ReprocessJob(Guid id, ReprocessRequest request, double rate, DateTimeOffset startedAt)
{
    public Guid Id { get; } = id;
    public ReprocessRequest Request { get; } = request;
    public double Rate { get; } = rate;
    public DateTimeOffset StartedAt { get; } = startedAt;
    public CancellationTokenSource Cancellation { get; } = new();
    internal Task? Run { get; set; }

    public long Scanned;
    public long Matched;
    public long Sent;
    public DateTimeOffset? WaitingSince { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public string? Error { get; set; }

    public bool Finished => FinishedAt is not null;

    public ReprocessJobView View() => new(
        Id, Request, Rate,
        Finished ? Error is null ? "Done" : "Stopped" : WaitingSince is null ? "Running" : "Waiting",
        Interlocked.Read(ref Scanned), Interlocked.Read(ref Matched), Interlocked.Read(ref Sent), StartedAt, FinishedAt, WaitingSince, Error);
}

/// <summary>A job as <c>/v1/reprocess</c> and <c>/v1/pipeline</c> show it.</summary>
/// <param name="State">Running, Waiting (the pipeline is past its back-pressure limits), Done or Stopped (see the error).</param>
/// <param name="Scanned">Stored products looked at.</param>
/// <param name="Matched">Of them, those the filter matched.</param>
/// <param name="Sent">Of them, those sent through the pipeline again (none in a dry run).</param>
public sealed record ReprocessJobView(
    Guid Id, ReprocessRequest Filter, double Rate, string State, long Scanned, long Matched, long Sent,
    DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, DateTimeOffset? WaitingSince, string? Error);
