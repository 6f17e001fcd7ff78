using MassTransit;

namespace Inference.Hosting;

/// <summary>Applies a queue's settings to its receive endpoint: prefetch, concurrency, retry.</summary>
public static class ReceiveEndpointSettings
{
    public static void Apply(this IReceiveEndpointConfigurator endpoint, QueueSettings settings)
    {
        endpoint.PrefetchCount = settings.PrefetchCount;
        endpoint.ConcurrentMessageLimit = settings.ConcurrencyLimit;
        endpoint.UseMessageRetry(retry =>
        {
            retry.Ignore<PermanentFailureException>();
            if (settings.RetryLimit > 0)
            {
                var first = TimeSpan.FromMilliseconds(settings.RetryIntervalMs);
                retry.Exponential(settings.RetryLimit, first, first * Math.Pow(2, settings.RetryLimit), first);
            }
            else
            {
                retry.None();
            }
        });
    }
}
