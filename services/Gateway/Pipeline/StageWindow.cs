namespace Inference.Gateway.Pipeline;

/// <summary>Counts and latencies of one stage over a sliding minute: 60 one-second buckets, a fixed amount of memory whatever the traffic.</summary>
public sealed class StageWindow
{
    public const int Seconds = 60;

    // Latencies go into log-scale buckets, 2^(1/4) apart (±9 %), from 1 ms to about 9 hours: percentiles without keeping samples.
    const int LatencyBuckets = 100;
    const double BucketsPerDoubling = 4;

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
            bucket.Histogram[BucketOf(ms)]++;
        }
    }

    /// <summary>The last minute up to <paramref name="now"/>; the rate is over <paramref name="span"/> (shorter while the gateway is young).</summary>
    public StageSnapshot Snapshot(DateTime now, TimeSpan span)
    {
        var current = now.Ticks / TimeSpan.TicksPerSecond;
        long count = 0, latencies = 0;
        double sum = 0, max = 0;
        var histogram = new long[LatencyBuckets];
        lock (_lock)
        {
            foreach (var bucket in _buckets)
            {
                if (bucket.Second <= current - Seconds || bucket.Second > current) continue;
                count += bucket.Count;
                latencies += bucket.Latencies;
                sum += bucket.LatencySum;
                max = Math.Max(max, bucket.LatencyMax);
                for (var i = 0; i < LatencyBuckets; i++) histogram[i] += bucket.Histogram[i];
            }
        }

        var seconds = Math.Clamp(span.TotalSeconds, 1, Seconds);
        var latency = latencies == 0
            ? null
            : new LatencySnapshot(latencies, Round(sum / latencies), Percentile(histogram, latencies, 0.50, max), Percentile(histogram, latencies, 0.95, max), Round(max));
        return new StageSnapshot(count, Math.Round(count / seconds, 2), latency);
    }

    static int BucketOf(double ms) =>
        ms <= 1 ? 0 : Math.Min(LatencyBuckets - 1, (int)Math.Ceiling(Math.Log2(ms) * BucketsPerDoubling));

    /// <summary>The upper bound of the bucket holding the q-quantile, never above the largest latency seen.</summary>
    static double Percentile(long[] histogram, long total, double q, double max)
    {
        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < histogram.Length; i++)
        {
            seen += histogram[i];
            if (seen >= rank) return Round(Math.Min(max, Math.Pow(2, i / BucketsPerDoubling)));
        }

        return Round(max);
    }

    static double Round(double ms) => Math.Round(ms, 1);

    sealed class Bucket
    {
        public long Second = -1;
        public long Count;
        public long Latencies;
        public double LatencySum;
        public double LatencyMax;
        public readonly long[] Histogram = new long[LatencyBuckets];

        public void Reset(long second)
        {
            Second = second;
            Count = Latencies = 0;
            LatencySum = LatencyMax = 0;
            Array.Clear(Histogram);
        }
    }
}

/// <summary>One stage over the last minute: how many, how fast, how long each took.</summary>
public sealed record StageSnapshot(long Count, double PerSecond, LatencySnapshot? LatencyMs);

/// <summary>Latencies in milliseconds; percentiles are accurate to about 9 %.</summary>
public sealed record LatencySnapshot(long Samples, double Mean, double P50, double P95, double Max);
