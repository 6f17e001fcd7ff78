using System.Diagnostics.Metrics;
using Inference.Sagas;

namespace Inference.Orchestrator;

/// <summary>
/// The gauge <c>inference.stage.products</c>: how many products wait on each stage, read from the saga store at each scrape
/// (with Redis one SCARD per stage), so it is the same for every replica and survives restarts. Every Orchestrator serves it:
/// aggregate it with <c>max by (inference_stage)</c>, not a sum.
/// </summary>
public sealed class StageOccupancy : IDisposable
{
    /// <summary>A scrape never waits longer on the store than this; a store that does not answer leaves the gauge without a value.</summary>
    static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);

    readonly Meter _meter;

    public StageOccupancy(IMeterFactory meters, IInFlightProducts inFlight)
    {
        _meter = meters.Create(StageMetrics.MeterName);
        _meter.CreateObservableGauge(StageMetrics.ProductsName, () => Read(inFlight), "{product}", "Products waiting on each stage now");
    }

    static IEnumerable<Measurement<long>> Read(IInFlightProducts inFlight)
    {
        var counts = inFlight.CountByStage();
        try
        {
            if (!counts.Wait(ReadTimeout)) return [];
        }
        catch (AggregateException)
        {
            return [];
        }

        return counts.Result.Select(c => new Measurement<long>(c.Value, new KeyValuePair<string, object?>(StageMetrics.StageTag, c.Key)));
    }

    public void Dispose() => _meter.Dispose();
}
