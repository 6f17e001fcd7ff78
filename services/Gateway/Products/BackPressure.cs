using Inference.Contracts;
using Inference.Hosting;
using Inference.Sagas;
using Microsoft.Extensions.Options;

namespace Inference.Gateway.Products;

/// <summary>
/// How far behind the pipeline is, against <c>Gateway:BackPressure</c>: the <c>classify</c> queue's depth (a passive declare
/// on the broker) and the products in flight (the saga repository's in-flight index), measured at most once per
/// <c>MeasureEvery</c> however many requests ask. What cannot be measured (a server down) refuses nothing: the request then
/// meets the outage itself and is answered 503.
/// </summary>
public sealed class BackPressure(IQueueDepths queues, IInFlightProducts inFlight, IOptions<GatewayOptions> options, TimeProvider clock, ILogger<BackPressure> logger)
{
    readonly SemaphoreSlim _gate = new(1, 1);
    BackPressureReading? _last;

    public async Task<BackPressureReading> ReadAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value.BackPressure;
        if (Fresh(settings) is { } fresh) return fresh;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Fresh(settings) is { } measured) return measured;
            // Measured whether or not a limit is set: /v1/pipeline shows both.
            var classify = (await queues.Of(QueueNames.Classify, cancellationToken))?.Ready;
            long? flying = null;
            try
            {
                flying = await inFlight.Count();
            }
            catch (Exception e) when (DependencyOutages.ServerOf(e) is not null)
            {
                logger.LogWarning("Could not count the products in flight ({Reason})", e.Message);
            }

            return _last = new BackPressureReading(
                new BackPressureLimit(classify, settings.MaxClassifyQueue),
                new BackPressureLimit(flying, settings.MaxInFlight),
                (int)Math.Ceiling(settings.RetryAfter.TotalSeconds),
                clock.GetUtcNow());
        }
        finally
        {
            _gate.Release();
        }
    }

    BackPressureReading? Fresh(BackPressureOptions settings) =>
        _last is { } last && clock.GetUtcNow() - last.MeasuredAt < settings.MeasureEvery ? last : null;
}

/// <summary>The pipeline's backlog against its limits, as <c>/v1/pipeline</c> shows it.</summary>
/// <param name="ClassifyQueue">Messages ready in the <c>classify</c> queue.</param>
/// <param name="InFlight">Products in flight.</param>
/// <param name="RetryAfterSeconds">What a refused POST is told to wait.</param>
public sealed record BackPressureReading(BackPressureLimit ClassifyQueue, BackPressureLimit InFlight, int RetryAfterSeconds, DateTimeOffset MeasuredAt)
{
    /// <summary>Whether new products are refused now.</summary>
    public bool Refusing => ClassifyQueue.Over || InFlight.Over;
}

/// <summary>One measure and its limit (0: none); null when it could not be measured.</summary>
public sealed record BackPressureLimit(long? Measured, long Limit)
{
    public bool Over => Limit > 0 && Measured > Limit;
}
