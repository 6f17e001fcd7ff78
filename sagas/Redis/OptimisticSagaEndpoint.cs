using MassTransit;

namespace Inference.Sagas.Redis;

/// <summary>What a saga endpoint needs when its repository is optimistic (Redis): conflicts retried at once, sends held until the state is saved.</summary>
public static class OptimisticSagaEndpoint
{
    /// <summary>
    /// Call after the endpoint's own retry: the conflict retry then runs inside it, a few milliseconds apart with jitter, and the
    /// in-memory outbox inside both, so a message that lost a race and runs again has sent nothing the first time.
    /// </summary>
    public static void UseOptimisticConcurrency(this IReceiveEndpointConfigurator endpoint, IRegistrationContext context, int conflictRetryLimit)
    {
        if (conflictRetryLimit > 0)
        {
            endpoint.UseMessageRetry(retry =>
            {
                retry.Handle<ConcurrencyException>();
                retry.Exponential(conflictRetryLimit, TimeSpan.Zero, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(4));
            });
        }

        endpoint.UseInMemoryOutbox(context);
    }
}
