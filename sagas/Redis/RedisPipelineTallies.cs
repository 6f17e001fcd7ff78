using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Inference.Sagas.Redis;

/// <summary>
/// In Redis beside the product states: one hash (<c>&lt;KeyPrefix&gt;pipeline:tally</c>) that every Orchestrator adds to and the
/// history sampler takes from. Per row a count (<c>row|n</c>), latencies measured (<c>row|l</c>), their sum (<c>row|s</c>) and
/// largest (<c>row|m</c>), and the latency histogram's buckets (<c>row|h7</c>): sums that add up whoever adds them.
/// </summary>
public sealed class RedisPipelineTallies(IConnectionMultiplexer redis, IOptions<SagaRepositoryOptions> repository) : IPipelineTallies
{
    /// <summary>
    /// Adds or takes away field triples (field, kind, value) from the hash in KEYS[1], from ARGV[<c>first</c>] on: kind <c>i</c> an
    /// integer, <c>f</c> a float, <c>m</c> a largest value. Taking away (sign -1) drops a field that reaches zero, and a largest
    /// value no larger than the one taken. Shared by <see cref="Add"/> and the history's append, which takes a sample's events in
    /// the same script that appends it.
    /// </summary>
    public const string ApplyFunction = """
        local function apply(key, first, sign)
          for i = first, #ARGV, 3 do
            local field, kind, value = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
            if kind == 'i' then
              if tonumber(redis.call('HINCRBY', key, field, sign * value)) <= 0 and sign < 0 then redis.call('HDEL', key, field) end
            elseif kind == 'f' then
              if tonumber(redis.call('HINCRBYFLOAT', key, field, sign * value)) <= 1e-6 and sign < 0 then redis.call('HDEL', key, field) end
            else
              local largest = redis.call('HGET', key, field)
              if sign > 0 and (not largest or tonumber(largest) < value) then redis.call('HSET', key, field, ARGV[i + 2]) end
              if sign < 0 and largest and tonumber(largest) <= value then redis.call('HDEL', key, field) end
            end
          end
        end
        """;

    const string AddScript = ApplyFunction + "\napply(KEYS[1], 1, 1)\nreturn 1";

    /// <summary>The hash's key under <paramref name="prefix"/>.</summary>
    public static RedisKey Key(string prefix) => $"{prefix}pipeline:tally";

    RedisKey TallyKey => Key(repository.Value.Redis.KeyPrefix);

    public async Task Add(IReadOnlyDictionary<string, StageSample> events)
    {
        if (events.Count == 0) return;
        await redis.GetDatabase().ScriptEvaluateAsync(AddScript, [TallyKey], [.. Fields(events)]);
    }

    public async Task<IReadOnlyDictionary<string, StageSample>> Pending() => Parse(await redis.GetDatabase().HashGetAllAsync(TallyKey));

    /// <summary>The field triples <see cref="ApplyFunction"/> reads, for <paramref name="events"/>.</summary>
    public static IReadOnlyList<RedisValue> Fields(IReadOnlyDictionary<string, StageSample> events)
    {
        var fields = new List<RedisValue>();
        void Add(string field, string kind, RedisValue value) => fields.AddRange([field, kind, value]);
        foreach (var (row, sample) in events)
        {
            if (sample.Count == 0) continue;
            Add($"{row}|n", "i", sample.Count);
            if (sample.Latencies == 0) continue;
            Add($"{row}|l", "i", sample.Latencies);
            Add($"{row}|s", "f", sample.SumMs.ToString("R", CultureInfo.InvariantCulture));
            Add($"{row}|m", "m", sample.MaxMs.ToString("R", CultureInfo.InvariantCulture));
            foreach (var (bucket, n) in sample.Histogram) Add($"{row}|h{bucket}", "i", n);
        }

        return fields;
    }

    static IReadOnlyDictionary<string, StageSample> Parse(HashEntry[] entries)
    {
        var rows = new Dictionary<string, RowFigures>();
        foreach (var entry in entries)
        {
            var name = (string)entry.Name!;
            var bar = name.LastIndexOf('|');
            if (bar <= 0 || bar == name.Length - 1) continue;
            if (!rows.TryGetValue(name[..bar], out var row)) rows[name[..bar]] = row = new RowFigures();
            var part = name[(bar + 1)..];
            switch (part[0])
            {
                case 'n': row.Count = (long)entry.Value; break;
                case 'l': row.Latencies = (long)entry.Value; break;
                case 's': row.Sum = double.Parse((string)entry.Value!, CultureInfo.InvariantCulture); break;
                case 'm': row.Max = double.Parse((string)entry.Value!, CultureInfo.InvariantCulture); break;
                case 'h' when int.TryParse(part.AsSpan(1), out var bucket): row.Histogram[bucket] = (long)entry.Value; break;
            }
        }

        // A largest latency taken away with an earlier sample: the histogram's bound stands in for the one of the events left.
        return rows.Where(r => r.Value.Count > 0).ToDictionary(r => r.Key, r => new StageSample(r.Value.Count, r.Value.Latencies, r.Value.Sum,
            r.Value.Max > 0 || r.Value.Latencies == 0 ? r.Value.Max : LatencyHistogram.UpperBound(r.Value.Histogram), r.Value.Histogram));
    }

    sealed class RowFigures
    {
        public long Count, Latencies;
        public double Sum, Max;
        public readonly SortedDictionary<int, long> Histogram = [];
    }
}
