namespace Inference.Sagas.Redis;

/// <summary>Where the Redis saga repository connects, how it names keys, and how long finished sagas stay readable.</summary>
public sealed class RedisSagaOptions
{
    /// <summary>A StackExchange.Redis configuration string (<c>host:port,password=…,ssl=true</c>).</summary>
    public string Configuration { get; set; } = "127.0.0.1:6379";

    /// <summary>Put before <c>&lt;saga-name&gt;:&lt;correlation-id&gt;</c> in every key, so several deployments can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "inference:saga:";

    /// <summary>How long a saga stays after it reached a finished state; in-flight sagas never expire.</summary>
    public TimeSpan FinishedExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The states after which nothing more happens to a saga; empty means the saga's own default.</summary>
    public List<string> FinishedStates { get; set; } = [];
}
