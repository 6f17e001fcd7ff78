namespace Inference.Loopback.Chaos;

/// <summary>One fault injected: what, when (seconds after the first product was sent), the products in flight (null: the saga store did not answer), and how long until the part was back.</summary>
public sealed record InjectedFault(string Kind, string What, double AtSeconds, long? InFlight, double BackAfterSeconds);

/// <summary>
/// What a fault-injection run found, product by product: stored (a row), faulted (the saga says why), lost (no row and not
/// Faulted), duplicated (more than one row, or a run stored as another revision), stranded (not Completed or Faulted when
/// the wait ended).
/// </summary>
public sealed record ChaosReport(
    string Command,
    string Commit,
    DateTimeOffset StartedAt,
    ChaosSettings Settings,
    int Sent,
    int Stored,
    int Faulted,
    int Lost,
    int Duplicated,
    int Stranded,
    double FeedSeconds,
    double SettledAfterSeconds,
    IReadOnlyList<InjectedFault> Faults,
    IReadOnlyDictionary<string, int> FinalStates,
    IReadOnlyDictionary<string, int> FaultReasons,
    IReadOnlyList<Guid> Examples)
{
    /// <summary>Nothing lost, duplicated or stranded.</summary>
    public bool Passed => Lost == 0 && Duplicated == 0 && Stranded == 0;

    /// <summary>The run's last line.</summary>
    public string Summary => $"sent {Sent}, stored {Stored}, faulted {Faulted}, lost {Lost}, duplicated {Duplicated}, stranded {Stranded}";
}
