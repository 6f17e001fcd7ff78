using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Inference.Sagas.Redis;

/// <summary>Opens the Redis connection when the host starts, not at the first message, so an unreachable Redis is told at once.</summary>
public sealed class RedisConnectionStarter(IServiceProvider services) : IHostedService
{
    // In the background: with Redis down the first attempt waits out its connect timeout, and start-up must not.
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(() => services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>(), CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
