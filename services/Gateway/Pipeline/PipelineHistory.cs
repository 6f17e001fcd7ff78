using System.Text.Json;
using System.Text.Json.Serialization;
using Inference.Sagas;
using Inference.Sagas.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Inference.Gateway.Pipeline;

/// <summary>
/// One sample of the pipeline, taken by the gateway that holds the sampler's lease: per stage the events the Orchestrators
/// tallied over the whole seconds <see cref="First"/> to <see cref="Last"/> (added up to a second late), and, as they stood at the end, the queues (from the broker) and the
/// products waiting on each stage and in flight (from the saga store). Samples follow each other without gap or overlap while
/// one gateway samples; a sample that would overlap the last one is refused.
/// </summary>
public sealed record PipelineSample(
    DateTimeOffset First,
    DateTimeOffset Last,
    IReadOnlyDictionary<string, StageSample> Stages,
    IReadOnlyList<QueueSample>? Queues,
    IReadOnlyDictionary<string, long>? Waiting,
    long? InFlight)
{
    /// <summary>The seconds the sample covers.</summary>
    [JsonIgnore]
    public int Seconds => (int)(Last - First).TotalSeconds + 1;

    /// <summary>Runs completed in the sample's seconds.</summary>
    [JsonIgnore]
    public long Completed => Stages.GetValueOrDefault(PipelineTally.Completions)?.Count ?? 0;

    /// <summary>Runs faulted in the sample's seconds.</summary>
    [JsonIgnore]
    public long Faulted => Stages.GetValueOrDefault(PipelineTally.Faults)?.Count ?? 0;
}

/// <summary>A queue as the broker showed it when the sample was taken.</summary>
public sealed record QueueSample(string Name, long Ready, long Unacknowledged, int Consumers);

/// <summary>The runs counted by every sample since <see cref="Since"/>, and the last second sampled.</summary>
public sealed record HistoryTotals(DateTimeOffset? Since, DateTimeOffset? Last, long Completed, long Faulted)
{
    public static readonly HistoryTotals None = new(null, null, 0, 0);
}

/// <summary>Where the samples are kept, and who may add them: what every gateway replica reads, so all show the same.</summary>
public interface IPipelineHistory
{
    /// <summary>Whether the history is shared by every gateway (Redis) or kept by this process alone (in memory).</summary>
    bool Shared { get; }

    /// <summary>Takes or renews the sampler's lease for <paramref name="owner"/>; false while another gateway holds it.</summary>
    Task<bool> TryLead(string owner, TimeSpan lease);

    /// <summary>
    /// Adds a sample if <paramref name="owner"/> still holds the lease and the sample begins after the last one, and takes its
    /// stages' events from the pending tallies (<see cref="IPipelineTallies"/>) at once; false, and nothing taken, otherwise.
    /// </summary>
    Task<bool> Append(string owner, PipelineSample sample);

    /// <summary>The totals and the last second sampled.</summary>
    Task<HistoryTotals> Totals();

    /// <summary>The newest samples, at most <paramref name="take"/>, oldest first, and the totals as of the newest: read together.</summary>
    Task<(IReadOnlyList<PipelineSample> Samples, HistoryTotals Totals)> Newest(int take);
}

/// <summary>How a sample is kept: JSON, the latency histograms sparse.</summary>
static class PipelineSampleJson
{
    static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Write(PipelineSample sample) => JsonSerializer.Serialize(sample, Options);

    public static PipelineSample? Read(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<PipelineSample>(json, Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// In Redis, beside the product states (<c>SagaRepository:Redis:KeyPrefix</c>): the samples in a list, newest first, trimmed to
/// <c>Gateway:History:Keep</c>; the lease a key with an expiry; the totals in a hash. Every write is one script, so a sample,
/// its totals and the check that its writer holds the lease go together.
/// </summary>
public sealed class RedisPipelineHistory(IConnectionMultiplexer redis, IOptions<SagaRepositoryOptions> repository, IOptions<GatewayOptions> gateway)
    : IPipelineHistory
{
    const string LeaseScript = """
        local holder = redis.call('GET', KEYS[1])
        if holder == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
        if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
        return 0
        """;

    // KEYS: samples, lease, totals, tallies. ARGV: owner, sample JSON, first second, last second, samples kept, completed,
    // faulted, then the sample's stages as the tallies' field triples, taken from the tallies.
    const string AppendScript = RedisPipelineTallies.ApplyFunction + """

        if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
        local last = redis.call('HGET', KEYS[3], 'last')
        if last and tonumber(last) >= tonumber(ARGV[3]) then return 0 end
        redis.call('LPUSH', KEYS[1], ARGV[2])
        redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[5]) - 1)
        redis.call('HSETNX', KEYS[3], 'since', ARGV[3])
        redis.call('HSET', KEYS[3], 'last', ARGV[4])
        redis.call('HINCRBY', KEYS[3], 'completed', ARGV[6])
        redis.call('HINCRBY', KEYS[3], 'faulted', ARGV[7])
        apply(KEYS[4], 8, -1)
        return 1
        """;

    string Prefix => repository.Value.Redis.KeyPrefix;
    RedisKey SamplesKey => $"{Prefix}pipeline:history";
    RedisKey LeaseKey => $"{Prefix}pipeline:sampler";
    RedisKey TotalsKey => $"{Prefix}pipeline:totals";
    IDatabase Database => redis.GetDatabase();

    public bool Shared => true;

    public async Task<bool> TryLead(string owner, TimeSpan lease) =>
        (long)await Database.ScriptEvaluateAsync(LeaseScript, [LeaseKey], [owner, (long)lease.TotalMilliseconds]) == 1;

    public async Task<bool> Append(string owner, PipelineSample sample) =>
        (long)await Database.ScriptEvaluateAsync(AppendScript, [SamplesKey, LeaseKey, TotalsKey, RedisPipelineTallies.Key(Prefix)],
        [
            owner, PipelineSampleJson.Write(sample), sample.First.ToUnixTimeSeconds(), sample.Last.ToUnixTimeSeconds(),
            gateway.Value.History.SamplesKept, sample.Completed, sample.Faulted, .. RedisPipelineTallies.Fields(sample.Stages),
        ]) == 1;

    public async Task<HistoryTotals> Totals() => TotalsOf(await Database.HashGetAsync(TotalsKey, TotalsFields));

    static readonly RedisValue[] TotalsFields = ["since", "last", "completed", "faulted"];

    static HistoryTotals TotalsOf(RedisValue[] values) => values[0].IsNull
        ? HistoryTotals.None
        : new HistoryTotals(DateTimeOffset.FromUnixTimeSeconds((long)values[0]), DateTimeOffset.FromUnixTimeSeconds((long)values[1]),
            (long)values[2], (long)values[3]);

    public async Task<(IReadOnlyList<PipelineSample> Samples, HistoryTotals Totals)> Newest(int take)
    {
        // One transaction: no sample is appended between reading the list and the totals.
        var transaction = Database.CreateTransaction();
        var values = transaction.ListRangeAsync(SamplesKey, 0, take - 1);
        var totals = transaction.HashGetAsync(TotalsKey, TotalsFields);
        await transaction.ExecuteAsync();
        return ((await values).Reverse().Select(v => PipelineSampleJson.Read(v!)).OfType<PipelineSample>().ToArray(), TotalsOf(await totals));
    }
}

/// <summary>
/// In this process (the saga repository is in memory: one process, the tests), kept as Redis would keep it: the gateways of the
/// process share it, one holding the lease at a time.
/// </summary>
public sealed class InMemoryPipelineHistory(IOptions<GatewayOptions> gateway, InMemoryPipelineTallies tallies) : IPipelineHistory
{
    readonly Lock _lock = new();
    readonly LinkedList<PipelineSample> _samples = new();
    HistoryTotals _totals = HistoryTotals.None;
    (string? Owner, long Until) _lease;

    public bool Shared => false;

    public Task<bool> TryLead(string owner, TimeSpan lease)
    {
        lock (_lock)
        {
            var now = Environment.TickCount64;
            if (_lease.Owner is not null && _lease.Owner != owner && _lease.Until > now) return Task.FromResult(false);
            _lease = (owner, now + (long)lease.TotalMilliseconds);
            return Task.FromResult(true);
        }
    }

    public Task<bool> Append(string owner, PipelineSample sample)
    {
        lock (_lock)
        {
            if (_lease.Owner != owner || _totals.Last >= sample.First) return Task.FromResult(false);
            _samples.AddLast(sample);
            while (_samples.Count > gateway.Value.History.SamplesKept) _samples.RemoveFirst();
            _totals = new HistoryTotals(_totals.Since ?? sample.First, sample.Last, _totals.Completed + sample.Completed, _totals.Faulted + sample.Faulted);
            tallies.Take(sample.Stages);
            return Task.FromResult(true);
        }
    }

    public Task<HistoryTotals> Totals()
    {
        lock (_lock) return Task.FromResult(_totals);
    }

    public Task<(IReadOnlyList<PipelineSample> Samples, HistoryTotals Totals)> Newest(int take)
    {
        lock (_lock) return Task.FromResult<(IReadOnlyList<PipelineSample>, HistoryTotals)>((_samples.Skip(Math.Max(0, _samples.Count - take)).ToArray(), _totals));
    }
}
