using System.Diagnostics.Metrics;
using Inference.Sagas.Redis;

namespace Inference.Tests.Integration;

/// <summary>Counts the repository's conflicts for one saga type while it lives, from the metric the repository publishes.</summary>
public sealed class SagaConflictCounter : IDisposable
{
    readonly MeterListener _listener = new();
    long _conflicts;

    public SagaConflictCounter(string sagaName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == RedisSagaMetrics.MeterName && instrument.Name == RedisSagaMetrics.ConflictsName)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "saga" && (string?)tag.Value == sagaName)
                    Interlocked.Add(ref _conflicts, value);
            }
        });
        _listener.Start();
    }

    public long Conflicts => Interlocked.Read(ref _conflicts);

    public void Dispose() => _listener.Dispose();
}
