using StackExchange.Redis;

namespace Inference.Tests.Integration;

/// <summary>A key prefix of one's own on the shared test Redis (<c>test:&lt;guid&gt;:</c>), and every key under it deleted afterwards.</summary>
public sealed class RedisKeyspace : IAsyncDisposable
{
    RedisKeyspace(ConnectionMultiplexer redis)
    {
        Redis = redis;
        Prefix = $"test:{Guid.NewGuid():N}:";
    }

    /// <summary>A connection for the test's own checks (TTLs, raw keys), separate from the repository's.</summary>
    public ConnectionMultiplexer Redis { get; }

    public string Prefix { get; }

    public IDatabase Database => Redis.GetDatabase();

    public static async Task<RedisKeyspace> CreateAsync() => new(await ConnectionMultiplexer.ConnectAsync(LoopbackServers.Current.Redis));

    /// <summary>Configuration for <c>SagaRepository</c> pointing the repository at this prefix.</summary>
    public IDictionary<string, string?> RepositorySettings(TimeSpan? finishedExpiry = null) => new Dictionary<string, string?>
    {
        ["SagaRepository:Kind"] = "Redis",
        ["SagaRepository:Redis:Configuration"] = LoopbackServers.Current.Redis,
        ["SagaRepository:Redis:KeyPrefix"] = Prefix,
        ["SagaRepository:Redis:FinishedExpiry"] = (finishedExpiry ?? TimeSpan.FromHours(1)).ToString(),
    };

    public async Task<RedisKey[]> Keys()
    {
        var keys = new List<RedisKey>();
        foreach (var endPoint in Redis.GetEndPoints())
        {
            await foreach (var key in Redis.GetServer(endPoint).KeysAsync(pattern: Prefix + "*"))
                keys.Add(key);
        }

        return [.. keys];
    }

    /// <summary>The sagas' own keys: not the in-flight index, the per-state sets, or the pipeline's tallies and history.</summary>
    public async Task<RedisKey[]> SagaKeys() => (await Keys())
        .Where(k => k.ToString() is var key && !key.EndsWith(":in-flight", StringComparison.Ordinal)
                    && !key.Contains(":in-state:", StringComparison.Ordinal) && !key.StartsWith(Prefix + "pipeline:", StringComparison.Ordinal))
        .ToArray();

    public async ValueTask DisposeAsync()
    {
        var keys = await Keys();
        if (keys.Length > 0) await Database.KeyDeleteAsync(keys);
        await Redis.DisposeAsync();
    }
}
