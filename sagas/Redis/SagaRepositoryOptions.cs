namespace Inference.Sagas.Redis;

/// <summary>Where saga state is kept: in this process's memory (one process, the embedded run) or in Redis (every process).</summary>
public sealed class SagaRepositoryOptions
{
    public const string Section = "SagaRepository";

    public SagaRepositoryKind Kind { get; set; } = SagaRepositoryKind.InMemory;

    public RedisSagaOptions Redis { get; set; } = new();

    /// <summary>Quick retries of a message whose saga was changed by another message meanwhile, before the endpoint's own retry.</summary>
    public int ConflictRetryLimit { get; set; } = 20;
}

/// <summary>The saga repositories one can choose from configuration.</summary>
public enum SagaRepositoryKind
{
    InMemory,
    Redis,
}
