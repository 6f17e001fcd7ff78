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


    /// <summary>How long a POST waits for the broker to confirm its products; past it the answer is 503 with <c>Retry-After</c>.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many of the latest Faulted products (the saga store's faulted index) <c>/v1/pipeline</c> lists.</summary>
    public int RecentFaults { get; set; } = 20;

    /// <summary>How many messages of each <c>_error</c> and <c>_skipped</c> queue <c>/v1/pipeline</c> shows, with their reasons.</summary>
    public int DeadLetters { get; set; } = 10;

    /// <summary>How long an <c>Idempotency-Key</c> is remembered: a POST repeated with it within this time gets the same products.</summary>
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>When <c>POST /v1/products</c> answers 429: the pipeline is further behind than this.</summary>
    public BackPressureOptions BackPressure { get; set; } = new();

    /// <summary>The dashboard's history: how often the pipeline is sampled and how long samples are kept.</summary>
    public HistoryOptions History { get; set; } = new();

    /// <summary>How fast <c>POST /v1/reprocess</c> may send stored products through the pipeline again.</summary>
    public ReprocessOptions Reprocess { get; set; } = new();

    /// <summary>The largest request body: a full batch of the longest texts (<c>Products:MaxTextBytes</c>), JSON-escaped, with room for the other fields.</summary>
    public long MaxRequestBytes(int maxTextBytes) => (long)MaxBatchSize * (maxTextBytes * 2L + 1_024) + 1_024;
}

/// <summary>Limits past which new products are refused (429 with <c>Retry-After</c>) until the pipeline catches up; 0 turns a limit off.</summary>
public sealed class BackPressureOptions
{
    /// <summary>Messages waiting in the <c>classify</c> queue (the pipeline's first stage).</summary>
    public long MaxClassifyQueue { get; set; } = 100_000;

    /// <summary>Products in flight in the whole pipeline (the saga repository's in-flight index).</summary>
    public long MaxInFlight { get; set; } = 500_000;

    /// <summary>What <c>Retry-After</c> says.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a measurement is reused: the broker and Redis are asked at most this often, not once per request.</summary>
    public TimeSpan MeasureEvery { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>The pace of re-enrichment: stored products are sent again at most this fast, and never past the back-pressure limits.</summary>
public sealed class ReprocessOptions
{
    /// <summary>Products per second a job sends when the request names no rate.</summary>
    public double DefaultRate { get; set; } = 20;

    /// <summary>The most a request may ask for.</summary>
    public double MaxRate { get; set; } = 500;

    /// <summary>Jobs kept (running and finished) for <c>/v1/reprocess</c> and the dashboard.</summary>
    public int JobsKept { get; set; } = 20;
}

/// <summary>
/// The pipeline's history, sampled by one gateway at a time (a lease in the saga store's Redis) and read by all: queue depths,
/// products waiting, and the events of each stage between samples.
/// </summary>
public sealed class HistoryOptions
{
    /// <summary>How often the sampling gateway takes a sample; also what the lease lasts three times over.</summary>
    public TimeSpan SampleEvery { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long samples are kept: the span of the dashboard's charts.</summary>
    public TimeSpan Keep { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Samples kept: <see cref="Keep"/> over <see cref="SampleEvery"/>, and one more.</summary>
    public int SamplesKept => (int)Math.Ceiling(Keep / SampleEvery) + 1;
}
