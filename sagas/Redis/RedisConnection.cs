using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Inference.Sagas.Redis;

/// <summary>
/// Opens the process's one Redis connection. An unreachable Redis never fails start-up: it is said once, in one line naming
/// the address, and the connection keeps trying in the background with exponential backoff (0.5 s doubling to 30 s).
/// </summary>
public static class RedisConnection
{
    /// <summary>The configuration string's options, with what keeps a Redis outage from turning into a crash loop.</summary>
    public static ConfigurationOptions OptionsFrom(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        options.ReconnectRetryPolicy = new ExponentialRetry(500, 30_000);
        options.ClientName ??= "inference";
        return options;
    }

    public static IConnectionMultiplexer Connect(string configuration, ILogger logger)
    {
        var options = OptionsFrom(configuration);
        var address = string.Join(",", options.EndPoints.Select(Describe));
        var multiplexer = ConnectionMultiplexer.Connect(options);

        // 1 while Redis is known to be unreachable, so each outage is told once and not at every reconnect attempt.
        var down = 0;
        if (!multiplexer.IsConnected)
        {
            down = 1;
            logger.LogWarning("Redis at {Address} is unreachable (not connected within {Timeout} ms); saga state waits for it, reconnecting with backoff up to 30 s",
                address, options.ConnectTimeout);
        }

        multiplexer.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive && Interlocked.Exchange(ref down, 1) == 0)
                logger.LogWarning("Redis at {Address} is unreachable ({Failure}); saga state waits for it, reconnecting with backoff up to 30 s",
                    Describe(e.EndPoint), e.FailureType);
        };
        multiplexer.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive && Interlocked.Exchange(ref down, 0) == 1)
                logger.LogInformation("Redis at {Address} answers again", Describe(e.EndPoint));
        };
        if (down == 0)
            logger.LogInformation("Redis at {Address} connected", address);
        return multiplexer;
    }

    static string Describe(System.Net.EndPoint? endPoint) => EndPointCollection.ToString(endPoint);
}
