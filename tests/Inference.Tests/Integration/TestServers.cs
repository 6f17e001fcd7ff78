namespace Inference.Tests.Integration;

/// <summary>Where the servers started by <c>scripts/infra/start.sh</c> listen (from <c>scripts/infra/env.sh</c>, with its defaults).</summary>
public static class TestServers
{
    public static string Redis => Environment.GetEnvironmentVariable("INFERENCE_REDIS") ?? "127.0.0.1:6391";

    public static Uri RabbitMq => new(Environment.GetEnvironmentVariable("INFERENCE_RABBITMQ") ?? "amqp://guest:guest@127.0.0.1:5682/");

    public static Uri RabbitMqManagement => new(Environment.GetEnvironmentVariable("INFERENCE_RABBITMQ_MANAGEMENT") ?? "http://127.0.0.1:15682/");

    public static string Postgres => Environment.GetEnvironmentVariable("INFERENCE_POSTGRES")
                                     ?? "Host=127.0.0.1;Port=5442;Username=postgres;Database=inference";
}
