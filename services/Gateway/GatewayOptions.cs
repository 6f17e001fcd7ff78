namespace Inference.Gateway;

/// <summary>The Gateway's own settings: who may call it and how much one request may carry.</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Keys accepted in the <c>X-Api-Key</c> header. None by default: writes are then refused, never open.</summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>Whether reads (state, record, pipeline) need a key too; writes always do.</summary>
    public bool RequireKeyForReads { get; set; }

    /// <summary>The most products one POST may carry.</summary>
    public int MaxBatchSize { get; set; } = 1_000;

    /// <summary>In-flight products whose state and stage times the pipeline statistics follow; past it a product is counted but not followed.</summary>
    public int TrackedProducts { get; set; } = 100_000;

    /// <summary>How long a POST waits for the broker to confirm its products; past it the answer is 503 with <c>Retry-After</c>.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many of the latest faults <c>/v1/pipeline</c> lists.</summary>
    public int RecentFaults { get; set; } = 20;

    /// <summary>How many messages of each <c>_error</c> and <c>_skipped</c> queue <c>/v1/pipeline</c> shows, with their reasons.</summary>
    public int DeadLetters { get; set; } = 10;

    /// <summary>The largest request body: a full batch of the longest texts (<c>Products:MaxTextBytes</c>), JSON-escaped, with room for the other fields.</summary>
    public long MaxRequestBytes(int maxTextBytes) => (long)MaxBatchSize * (maxTextBytes * 2L + 1_024) + 1_024;
}
