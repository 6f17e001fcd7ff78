using Inference.Contracts;
using MassTransit;

namespace Inference.Sagas;

/// <summary>Everything the pipeline knows about one product while it moves through the stages.</summary>
public sealed class ProductState : SagaStateMachineInstance, ISagaVersion
{
    public Guid CorrelationId { get; set; }

    /// <summary>Incremented on every save; the saga repository's optimistic concurrency check.</summary>
    public int Version { get; set; }

    public string CurrentState { get; set; } = "";

    public string Source { get; set; } = "";
    public string? SourceId { get; set; }
    public string Text { get; set; } = "";

    public string? Category { get; set; }
    public double? Confidence { get; set; }
    public List<CategoryScore> TopK { get; set; } = [];

    /// <summary>The stage whose answer decided the category: <c>classify</c> (the fast classifier) or <c>classify-deep</c> (it was below the gate).</summary>
    public string? ClassifiedBy { get; set; }

    /// <summary>The fast classifier's answer when the deep one decided (null otherwise: then it is <see cref="Category"/>).</summary>
    public string? FastCategory { get; set; }

    public double? FastConfidence { get; set; }

    /// <summary>The extractor the router chose (the suffix of its <c>extract-</c> queue).</summary>
    public string? Extractor { get; set; }

    public string? Brand { get; set; }
    public string? Mpn { get; set; }
    public string? Gtin { get; set; }
    public Dictionary<string, string> Attributes { get; set; } = [];
    public List<IdentifierVerdict> Verdicts { get; set; } = [];

    /// <summary>Stage name → "model@version" that produced its result.</summary>
    public Dictionary<string, string> Models { get; set; } = [];

    /// <summary>The run of this product: 1 for its first text; the store keeps the record of the newest run.</summary>
    public long? Revision { get; set; }

    /// <summary>How often the current stage's command was sent again at its deadline; back to 0 when the product moves on.</summary>
    public int Resends { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }
    public DateTimeOffset? ClassifiedAt { get; set; }
    public DateTimeOffset? ExtractedAt { get; set; }
    public DateTimeOffset? ValidatedAt { get; set; }
    public DateTimeOffset? StoredAt { get; set; }
    public DateTimeOffset? FaultedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public string? FaultStage { get; set; }
    public string? FaultReason { get; set; }

    /// <summary>The product moved on: the time of it, and a fresh set of re-sends for the next stage.</summary>
    public DateTimeOffset Progressed()
    {
        Resends = 0;
        return UpdatedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>Validation runs only when there is something to validate.</summary>
    public bool HasIdentifiers => !string.IsNullOrWhiteSpace(Mpn) || !string.IsNullOrWhiteSpace(Gtin);
}
