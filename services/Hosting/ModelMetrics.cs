using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Inference.Hosting;

/// <summary>
/// What each model does, per model: the batches it is given (size), how long each call takes, the items it answered or failed,
/// and, for the classifiers, the confidence of each answer and the categories it predicts. Every service serves them at
/// <c>/metrics</c>; the model tag is the model's name as its manifest says (<c>classifier</c>, <c>extractor-generic</c>, …).
/// </summary>
public static class ModelMetrics
{
    public const string MeterName = "Inference.Models";
    public const string BatchSizeName = "inference.model.batch.size";
    public const string DurationName = "inference.model.duration";
    public const string ItemsName = "inference.model.items";
    public const string ErrorsName = "inference.model.errors";
    public const string ConfidenceName = "inference.model.confidence";
    public const string PredictionsName = "inference.model.predictions";

    /// <summary>The model tag of every figure.</summary>
    public const string ModelTag = "inference.model";

    /// <summary>The predicted category's tag on <see cref="PredictionsName"/>.</summary>
    public const string CategoryTag = "inference.category";

    static readonly Meter Meter = new(MeterName);

    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>(
        BatchSizeName, "{item}", "Items in one model call",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });

    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        DurationName, "s", "Time of one model call (a whole batch)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });

    public static readonly Counter<long> Items = Meter.CreateCounter<long>(ItemsName, "{item}", "Items a model answered");

    public static readonly Counter<long> Errors = Meter.CreateCounter<long>(ErrorsName, "{item}", "Items a model failed on, by exception type");

    public static readonly Histogram<double> Confidence = Meter.CreateHistogram<double>(
        ConfidenceName, "1", "A classifier's confidence in the category it predicted",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99] });

    public static readonly Counter<long> Predictions = Meter.CreateCounter<long>(
        PredictionsName, "{product}", "Products a classifier put in each category");

    /// <summary>
    /// Wraps a model call so each batch is counted: its size, its time, and its items as answered or, when it throws, failed
    /// (the batcher then runs each item alone, so a bad item is counted once, alone).
    /// </summary>
    public static Func<IReadOnlyList<TIn>, CancellationToken, Task<IReadOnlyList<TOut>>> Measured<TIn, TOut>(
        string model, Func<IReadOnlyList<TIn>, IReadOnlyList<TOut>> run) =>
        (items, _) =>
        {
            var tag = new KeyValuePair<string, object?>(ModelTag, model);
            BatchSize.Record(items.Count, tag);
            var started = Stopwatch.GetTimestamp();
            try
            {
                var results = run(items);
                Items.Add(items.Count, tag);
                return Task.FromResult(results);
            }
            catch (Exception e)
            {
                if (items.Count == 1) Errors.Add(1, tag, new KeyValuePair<string, object?>("error.type", e.GetType().Name));
                throw;
            }
            finally
            {
                Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tag);
            }
        };

    /// <summary>Counts one classifier answer: its confidence and the category it chose (none: <c>none</c>).</summary>
    public static void RecordPrediction(string model, string? category, double confidence)
    {
        var tag = new KeyValuePair<string, object?>(ModelTag, model);
        Confidence.Record(confidence, tag);
        Predictions.Add(1, tag, new KeyValuePair<string, object?>(CategoryTag, string.IsNullOrEmpty(category) ? "none" : category));
    }
}
