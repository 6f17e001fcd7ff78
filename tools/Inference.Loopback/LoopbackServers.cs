using System.Diagnostics;

namespace Inference.Loopback;

/// <summary>
/// The servers <c>scripts/infra/start.sh</c> runs on loopback, as the services' configuration. Every address is read from
/// <c>scripts/infra/env.sh</c> itself (which honours <c>REDIS_PORT</c>, <c>RABBITMQ_PORT</c>, … from the environment), so the
/// servers the scripts start and the ones this code connects to can never differ.
/// </summary>
/// <param name="PrometheusPort">Where a test runs its own Prometheus (none runs otherwise): <c>PROMETHEUS_PORT</c>.</param>
public sealed record LoopbackServers(Uri RabbitMq, Uri RabbitMqManagement, string Redis, string Postgres, string InfraHome, int PrometheusPort)
{
    static readonly Lazy<LoopbackServers> Here = new(() => FromEnvScript(SolutionLayout.FindRoot(AppContext.BaseDirectory)));

    /// <summary>The servers of the repository this program was built in.</summary>
    public static LoopbackServers Current => Here.Value;

    /// <summary>Sources <c>scripts/infra/env.sh</c> of <paramref name="root"/> in bash and reads the addresses it exports.</summary>
    public static LoopbackServers FromEnvScript(string root)
    {
        var script = Path.Combine(root, "scripts", "infra", "env.sh");
        var start = new ProcessStartInfo("bash",
            ["-c", """. "$0" >/dev/null && printf '%s\n' "$INFERENCE_RABBITMQ" "$INFERENCE_RABBITMQ_MANAGEMENT" "$INFERENCE_REDIS" "$INFERENCE_POSTGRES" "$INFERENCE_INFRA_HOME" "$PROMETHEUS_PORT" """, script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var bash = Process.Start(start)!;
        var lines = bash.StandardOutput.ReadToEnd().Split('\n');
        bash.WaitForExit();
        if (bash.ExitCode != 0 || lines.Length < 6 || lines.Take(6).Any(string.IsNullOrWhiteSpace))
            throw new InvalidOperationException($"{script} did not give the servers' addresses (exit {bash.ExitCode}): {bash.StandardError.ReadToEnd()}");
        return new LoopbackServers(new Uri(lines[0]), new Uri(lines[1]), lines[2], lines[3], lines[4], int.Parse(lines[5]));
    }

    /// <summary>A name no other run uses, for a virtual host, a database or a key prefix.</summary>
    public static string UniqueName(string purpose) => $"{purpose}_{Guid.NewGuid():N}"[..Math.Min(purpose.Length + 13, 60)];

    public string RabbitMqUsername => Uri.UnescapeDataString(RabbitMq.UserInfo.Split(':')[0]);

    public string RabbitMqPassword => RabbitMq.UserInfo.Split(':') is [_, var password] ? Uri.UnescapeDataString(password) : "";

    /// <summary>Settings every service gets: RabbitMQ (in <paramref name="virtualHost"/>), the Redis saga repository, the PostgreSQL store.</summary>
    public Dictionary<string, string?> ServiceSettings(string virtualHost = "/", string sagaKeyPrefix = "inference:saga:", string? postgres = null) => new()
    {
        ["Transport__Kind"] = "RabbitMq",
        ["Transport__RabbitMq__Host"] = RabbitMq.Host,
        ["Transport__RabbitMq__Port"] = RabbitMq.Port.ToString(),
        ["Transport__RabbitMq__VirtualHost"] = virtualHost,
        ["Transport__RabbitMq__Username"] = RabbitMqUsername,
        ["Transport__RabbitMq__Password"] = RabbitMqPassword,
        ["Transport__RabbitMq__ManagementUri"] = RabbitMqManagement.ToString(),
        ["SagaRepository__Kind"] = "Redis",
        ["SagaRepository__Redis__Configuration"] = Redis,
        ["SagaRepository__Redis__KeyPrefix"] = sagaKeyPrefix,
        ["Store__Provider"] = "Postgres",
        ["Store__ConnectionString"] = postgres ?? Postgres,
    };

    /// <summary>A server's pid file under the infra home (<c>redis/redis.pid</c>, …), for CPU and memory readings.</summary>
    public string PidFile(params string[] path) => Path.Combine([InfraHome, .. path]);
}
