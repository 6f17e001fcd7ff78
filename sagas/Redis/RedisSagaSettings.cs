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
    /// <summary>The saga's state name, for the per-state sets; null (the default) keeps none.</summary>
    public Func<TSaga, string?>? StateOf { get; init; }

    /// <summary>The states whose sagas are kept in a set of their own (<see cref="InStateKey"/>), so how many are in each is one SCARD.</summary>
    public IReadOnlyList<string> CountedStates { get; init; } = [];

    /// <summary>The saga type in kebab case (<c>ProductState</c> → <c>product-state</c>), so two saga types never share a key.</summary>
    public static string SagaName { get; } = Kebab().Replace(typeof(TSaga).Name, "-$1").ToLowerInvariant();

    public string KeyOf(Guid correlationId) => $"{KeyPrefix}{SagaName}:{correlationId:D}";

    /// <summary>A sorted set of the sagas in flight, scored by the time of their last write: what the stage-timeout monitor scans.</summary>
    public string InFlightKey => $"{KeyPrefix}{SagaName}:in-flight";

    /// <summary>A sorted set of the sagas that ended in failure, scored by the time of that write: what a retry by filter scans.</summary>
    public string FaultedKey => $"{KeyPrefix}{SagaName}:faulted";

    /// <summary>A set of the sagas in <paramref name="state"/> (one of <see cref="CountedStates"/>), written in the same script as the saga.</summary>
    public string InStateKey(string state) => $"{KeyPrefix}{SagaName}:in-state:{state}";

    /// <summary>The position (1-based, after the saga, the index and the faulted index) of the saga's state set among the script's keys; 0 for none.</summary>
    public int StateSlot(TSaga saga)
    {
        if (StateOf?.Invoke(saga) is not { } state) return 0;
        for (var i = 0; i < CountedStates.Count; i++)
            if (CountedStates[i] == state) return i + 1;
        return 0;
    }

    [GeneratedRegex("(?<=[a-z0-9])([A-Z])")]
    private static partial Regex Kebab();
}
