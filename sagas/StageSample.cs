namespace Inference.Sagas;

/// <summary>
/// One stage's events as they happen, until they are taken (<see cref="Take"/>): a count, and the latencies in a
/// <see cref="LatencyHistogram"/>, so what several processes tally adds up exactly. Fixed memory whatever the traffic.
/// </summary>
public sealed class StageTally
{
    readonly long[] _histogram = new long[LatencyHistogram.Buckets];
    readonly Lock _lock = new();
    long _count, _latencies;
    double _sum, _max;

    /// <summary>One event, with the stage's latency when it is known.</summary>
    public void Record(TimeSpan? latency = null)
    {
        lock (_lock)
        {
            _count++;
            if (latency is not { } l) return;
            var ms = Math.Max(0, l.TotalMilliseconds);
            _latencies++;
            _sum += ms;
            _max = Math.Max(_max, ms);
            _histogram[LatencyHistogram.BucketOf(ms)]++;
        }
    }

    /// <summary>The events since the last take, and a fresh start.</summary>
    public StageSample Take()
    {
        lock (_lock)
        {
            var sample = new StageSample(_count, _latencies, _sum, _max, LatencyHistogram.Sparse(_histogram));
            (_count, _latencies, _sum, _max) = (0, 0, 0, 0);
            Array.Clear(_histogram);
            return sample;
        }
    }
}

/// <summary>
/// Latencies in log-scale buckets, 2^(1/4) apart (±9 %), from 1 ms to about 9 hours: percentiles without keeping samples, and
/// histograms of different seconds (and different samples) add up exactly.
/// </summary>
public static class LatencyHistogram
{
    public const int Buckets = 100;
    const double BucketsPerDoubling = 4;

    public static int BucketOf(double ms) =>
        ms <= 1 ? 0 : Math.Min(Buckets - 1, (int)Math.Ceiling(Math.Log2(ms) * BucketsPerDoubling));

    /// <summary>The largest latency bucket <paramref name="bucket"/> holds.</summary>
    public static double UpperBound(int bucket) => Math.Pow(2, bucket / BucketsPerDoubling);

    /// <summary>The largest latency a histogram can hold: what stands in for a largest latency not known any more.</summary>
    public static double UpperBound(IReadOnlyDictionary<int, long> histogram) => histogram.Count == 0 ? 0 : UpperBound(histogram.Keys.Max());

    /// <summary>Only the buckets that hold latencies, by index: what a sample keeps.</summary>
    public static IReadOnlyDictionary<int, long> Sparse(long[] histogram)
    {
        var sparse = new SortedDictionary<int, long>();
        for (var i = 0; i < histogram.Length; i++)
            if (histogram[i] > 0) sparse[i] = histogram[i];
        return sparse;
    }

    /// <summary>The upper bound of the bucket holding the q-quantile, never above the largest latency seen.</summary>
    public static double Percentile(IReadOnlyDictionary<int, long> histogram, long total, double q, double max)
    {
        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        foreach (var (bucket, count) in histogram.OrderBy(b => b.Key))
        {
            seen += count;
            if (seen >= rank) return Round(Math.Min(max, UpperBound(bucket)));
        }

        return Round(max);
    }

    public static double Round(double ms) => Math.Round(ms, 1);
}

/// <summary>One stage's events over some seconds: how many, and their latencies as a sparse <see cref="LatencyHistogram"/>, so samples merge exactly.</summary>
/// <param name="Latencies">Events whose latency was known (the product's previous event was heard).</param>
public sealed record StageSample(long Count, long Latencies, double SumMs, double MaxMs, IReadOnlyDictionary<int, long> Histogram)
{
    public static readonly StageSample Empty = new(0, 0, 0, 0, new Dictionary<int, long>());

    /// <summary>The sum of several samples (of the same stage, over different seconds).</summary>
    public static StageSample Merge(IEnumerable<StageSample> samples)
    {
        long count = 0, latencies = 0;
        double sum = 0, max = 0;
        var histogram = new SortedDictionary<int, long>();
        foreach (var sample in samples)
        {
            count += sample.Count;
            latencies += sample.Latencies;
            sum += sample.SumMs;
            max = Math.Max(max, sample.MaxMs);
            foreach (var (bucket, n) in sample.Histogram) histogram[bucket] = histogram.GetValueOrDefault(bucket) + n;
        }

        return new StageSample(count, latencies, sum, max, histogram);
    }

    /// <summary>
    /// What is left of this sample once <paramref name="taken"/> (an earlier reading of it) is taken away: the events added
    /// since. Their largest latency is known when it is above the one taken; otherwise their histogram's bound stands in.
    /// </summary>
    public StageSample Minus(StageSample taken)
    {
        var histogram = new SortedDictionary<int, long>();
        foreach (var (bucket, n) in Histogram)
            if (n - taken.Histogram.GetValueOrDefault(bucket) is var left and > 0) histogram[bucket] = left;
        var latencies = Math.Max(0, Latencies - taken.Latencies);
        return new StageSample(Math.Max(0, Count - taken.Count), latencies, latencies == 0 ? 0 : Math.Max(0, SumMs - taken.SumMs),
            MaxMs > taken.MaxMs ? MaxMs : LatencyHistogram.UpperBound(histogram), histogram);
    }

    /// <summary>Mean, p50, p95 and max in milliseconds; null when no latency was measured.</summary>
    public LatencySnapshot? Latency() => Latencies == 0
        ? null
        : new LatencySnapshot(Latencies, LatencyHistogram.Round(SumMs / Latencies), LatencyHistogram.Percentile(Histogram, Latencies, 0.50, MaxMs),
            LatencyHistogram.Percentile(Histogram, Latencies, 0.95, MaxMs), LatencyHistogram.Round(MaxMs));

    /// <summary>As the stage table shows it: the rate over <paramref name="seconds"/>.</summary>
    public StageSnapshot Snapshot(double seconds) => new(Count, Math.Round(Count / Math.Max(1, seconds), 2), Latency());
}

/// <summary>One stage over the last minute: how many, how fast, how long each took.</summary>
public sealed record StageSnapshot(long Count, double PerSecond, LatencySnapshot? LatencyMs);

/// <summary>Latencies in milliseconds; percentiles are accurate to about 9 %.</summary>
public sealed record LatencySnapshot(long Samples, double Mean, double P50, double P95, double Max);
