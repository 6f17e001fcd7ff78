using System.Text.RegularExpressions;
using MassTransit;

namespace Inference.Sagas.Redis;

/// <summary>What the repository needs to know about one saga type: where its keys live and when it is finished.</summary>
/// <param name="KeyPrefix">Every key is <c>KeyPrefix + saga-name + ":" + correlation id</c>.</param>
/// <param name="FinishedExpiry">How long a finished saga stays readable.</param>
/// <param name="IsFinished">True once nothing more will happen to the saga unless asked; only then does its key get an expiry.</param>
/// <param name="IsFaulted">True for a saga that ended in failure: such sagas are listed (<see cref="FaultedKey"/>) for operators to retry.</param>
public sealed partial record RedisSagaSettings<TSaga>(string KeyPrefix, TimeSpan FinishedExpiry, Func<TSaga, bool> IsFinished, Func<TSaga, bool>? IsFaulted = null)
    where TSaga : class, ISagaVersion
{
    /// <summary>The saga type in kebab case (<c>ProductState</c> → <c>product-state</c>), so two saga types never share a key.</summary>
    public static string SagaName { get; } = Kebab().Replace(typeof(TSaga).Name, "-$1").ToLowerInvariant();

    public string KeyOf(Guid correlationId) => $"{KeyPrefix}{SagaName}:{correlationId:D}";

    /// <summary>A sorted set of the sagas in flight, scored by the time of their last write: what the stage-timeout monitor scans.</summary>
    public string InFlightKey => $"{KeyPrefix}{SagaName}:in-flight";

    /// <summary>A sorted set of the sagas that ended in failure, scored by the time of that write: what a retry by filter scans.</summary>
    public string FaultedKey => $"{KeyPrefix}{SagaName}:faulted";

    [GeneratedRegex("(?<=[a-z0-9])([A-Z])")]
    private static partial Regex Kebab();
}
