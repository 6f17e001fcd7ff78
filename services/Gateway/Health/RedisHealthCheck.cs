using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Inference.Gateway.Health;

/// <summary>Pings Redis through the process's one multiplexer (the saga repository's); with no multiplexer, Redis is not in use.</summary>
public sealed class RedisHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService<IConnectionMultiplexer>() is not { } redis)
            return HealthCheckResult.Healthy("Not in use: the saga repository is not on Redis.");
        try
        {
            var latency = await redis.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:0.#} ms.");
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis did not answer.", e);
        }
    }
}
