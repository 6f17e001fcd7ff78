namespace Inference.Gateway.Pipeline;

/// <summary>
/// Counts and latencies of one stage over the last minute, per second: 60 one-second buckets, a fixed amount of memory whatever
/// the traffic. The history sampler takes the seconds it has not taken yet (<see cref="Sample"/>).
/// </summary>
public sealed class StageWindow
{
    public const int Seconds = 60;

    readonly Bucket[] _buckets = new Bucket[Seconds];
    readonly Lock _lock = new();

    public StageWindow()
    {
        for (var i = 0; i < Seconds; i++) _buckets[i] = new Bucket();
    }

    /// <summary>One event seen at <paramref name="now"/>, with the stage's latency when it is known.</summary>
    public void Record(DateTime now, TimeSpan? latency = null)
    {
        var second = now.Ticks / TimeSpan.TicksPerSecond;
        lock (_lock)
        {
            var bucket = _buckets[second % Seconds];
            if (bucket.Second != second) bucket.Reset(second);
            bucket.Count++;
            if (latency is not { } l) return;
            var ms = Math.Max(0, l.TotalMilliseconds);
            bucket.Latencies++;
            bucket.LatencySum += ms;
            bucket.LatencyMax = Math.Max(bucket.LatencyMax, ms);
            bucket.Histogram[LatencyHistogram.BucketOf(ms)]++;
        }
    }

    /// <summary>The events of the whole seconds <paramref name="first"/> to <paramref name="last"/> (both included; only the last minute is kept).</summary>
    public StageSample Sample(DateTime first, DateTime last)
    {
        var from = first.Ticks / TimeSpan.TicksPerSecond;
        var to = last.Ticks / TimeSpan.TicksPerSecond;
        long count = 0, latencies = 0;
        double sum = 0, max = 0;
        var histogram = new long[LatencyHistogram.Buckets];
        lock (_lock)
        {
            foreach (var bucket in _buckets)
            {
                if (bucket.Second < from || bucket.Second > to) continue;
                count += bucket.Count;
                latencies += bucket.Latencies;
                sum += bucket.LatencySum;
                max = Math.Max(max, bucket.LatencyMax);
                for (var i = 0; i < histogram.Length; i++) histogram[i] += bucket.Histogram[i];
            }
        }

        return new StageSample(count, latencies, sum, max, LatencyHistogram.Sparse(histogram));
    }

    sealed class Bucket
    {
        public long Second = -1;
        public long Count;
        public long Latencies;
        public double LatencySum;
        public double LatencyMax;
        public readonly long[] Histogram = new long[LatencyHistogram.Buckets];

        public void Reset(long second)
        {
            Second = second;
            Count = Latencies = 0;
            LatencySum = LatencyMax = 0;
            Array.Clear(Histogram);
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
            if (seen >= rank) return Round(Math.Min(max, Math.Pow(2, bucket / BucketsPerDoubling)));
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
