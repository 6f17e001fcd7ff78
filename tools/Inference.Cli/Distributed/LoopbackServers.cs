namespace Inference.Cli.Distributed;

/// <summary>The servers <c>scripts/infra/start.sh</c> runs on loopback, as the services' configuration (from <c>scripts/infra/env.sh</c>'s variables).</summary>
public sealed record LoopbackServers(Uri RabbitMq, Uri RabbitMqManagement, string Redis, string Postgres)
{
    public static LoopbackServers FromEnvironment() => new(
        new Uri(Environment.GetEnvironmentVariable("INFERENCE_RABBITMQ") ?? "amqp://guest:guest@127.0.0.1:5682/"),
        new Uri(Environment.GetEnvironmentVariable("INFERENCE_RABBITMQ_MANAGEMENT") ?? "http://127.0.0.1:15682/"),
        Environment.GetEnvironmentVariable("INFERENCE_REDIS") ?? "127.0.0.1:6391",
        Environment.GetEnvironmentVariable("INFERENCE_POSTGRES") ?? "Host=127.0.0.1;Port=5442;Username=postgres;Database=inference");

    /// <summary>A name no other run uses, for a virtual host, a database or a key prefix.</summary>
    public static string UniqueName(string purpose) => $"{purpose}_{Guid.NewGuid():N}"[..Math.Min(purpose.Length + 13, 60)];

    /// <summary>Settings every service gets: RabbitMQ (in <paramref name="virtualHost"/>), the Redis saga repository, the PostgreSQL store.</summary>
    public Dictionary<string, string?> ServiceSettings(string virtualHost = "/", string sagaKeyPrefix = "inference:saga:", string? postgres = null)
    {
        var credentials = RabbitMq.UserInfo.Split(':');
        return new Dictionary<string, string?>
        {
            ["Transport__Kind"] = "RabbitMq",
            ["Transport__RabbitMq__Host"] = RabbitMq.Host,
            ["Transport__RabbitMq__Port"] = RabbitMq.Port.ToString(),
            ["Transport__RabbitMq__VirtualHost"] = virtualHost,
            ["Transport__RabbitMq__Username"] = Uri.UnescapeDataString(credentials[0]),
            ["Transport__RabbitMq__Password"] = credentials.Length > 1 ? Uri.UnescapeDataString(credentials[1]) : "",
            ["Transport__RabbitMq__ManagementUri"] = RabbitMqManagement.ToString(),
            ["SagaRepository__Kind"] = "Redis",
            ["SagaRepository__Redis__Configuration"] = Redis,
            ["SagaRepository__Redis__KeyPrefix"] = sagaKeyPrefix,
            ["Store__Provider"] = "Postgres",
            ["Store__ConnectionString"] = postgres ?? Postgres,
        };
    }
}
