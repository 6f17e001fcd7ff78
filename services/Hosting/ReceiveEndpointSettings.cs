using MassTransit;

namespace Inference.Hosting;

/// <summary>Applies a queue's settings to its receive endpoint: prefetch, concurrency, retry; skipped messages reported.</summary>
public static class ReceiveEndpointSettings
{
    /// <param name="isOutage">
    /// Whether an exception means a server this endpoint needs is down (Redis for the saga, PostgreSQL for the store): such a
    /// failure is retried for about a minute (<see cref="QueueSettings.OutageRetryLimit"/>, 1 s doubling to 30 s), so a
    /// server's restart delays the products in hand instead of faulting them. Every other exception gets the queue's own
    /// short retry.
    /// </param>
    public static void Apply(this IReceiveEndpointConfigurator endpoint, QueueSettings settings, Func<Exception, bool>? isOutage = null)
    {
        endpoint.ReportSkippedMessages();
        endpoint.PrefetchCount = settings.PrefetchCount;
        endpoint.ConcurrentMessageLimit = settings.ConcurrencyLimit;
        var outage = isOutage ?? (_ => false);
        if (isOutage is not null && settings.OutageRetryLimit > 0)
        {
            endpoint.UseMessageRetry(retry =>
            {
                retry.Handle<Exception>(e => outage(e));
                retry.Exponential(settings.OutageRetryLimit, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
            });
        }

        endpoint.UseMessageRetry(retry =>
        {
            retry.Ignore<PermanentFailureException>();
            retry.Ignore<Exception>(e => outage(e));
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
