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

    /// <summary>The SHA-256 of <see cref="Text"/> (hex): a text received again is a duplicate exactly when its hash is this one.</summary>
    public string? TextHash { get; set; }

    /// <summary>A different text that arrived while this run was in flight: the next revision runs it when this run ends (the newest text wins).</summary>
    public string? PendingText { get; set; }

    public DateTimeOffset? PendingReceivedAt { get; set; }

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

    /// <summary>The try of this run: 1, and one more each time it left Faulted (a retry, or a redriven command's answer).</summary>
    public int Attempt { get; set; } = 1;

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

    /// <summary>Starts run <paramref name="revision"/> of <paramref name="text"/>: nothing of an earlier run is kept.</summary>
    public void BeginRun(string source, string? sourceId, string text, DateTimeOffset receivedAt, long revision)
    {
        (Source, SourceId, Text, TextHash, ReceivedAt, Revision) = (source, sourceId, text, ProductText.Hash(text), receivedAt, revision);
        (PendingText, PendingReceivedAt) = (null, null);
        (Category, Confidence, TopK, ClassifiedBy, FastCategory, FastConfidence, Extractor) = (null, null, [], null, null, null, null);
        (Brand, Mpn, Gtin, Attributes, Verdicts, Models) = (null, null, null, [], [], []);
        (ClassifiedAt, ExtractedAt, ValidatedAt, StoredAt, FaultedAt, FaultStage, FaultReason) = (null, null, null, null, null, null, null);
        Attempt = 1;
        Progressed();
    }

    /// <summary>
    /// Whether a text received at <paramref name="receivedAt"/> is news: different from this run's (by hash) and not older than
    /// anything this product has heard (a late duplicate of an earlier text is not news).
    /// </summary>
    public bool IsNewText(string text, DateTimeOffset receivedAt) => receivedAt >= (PendingReceivedAt ?? ReceivedAt) && !Runs(text);

    /// <summary>Whether <paramref name="text"/> is this run's text (compared by hash).</summary>
    public bool Runs(string text) => TextHash == ProductText.Hash(text) || (TextHash is null && Text == text);

    /// <summary>The product leaves Faulted to try its run again: one more attempt, and the fault is history (it was announced).</summary>
    public void Resumed()
    {
        Attempt++;
        (FaultStage, FaultReason, FaultedAt) = (null, null, null);
        Progressed();
    }

    /// <summary>The product moved on: the time of it, and a fresh set of re-sends for the next stage.</summary>
    public DateTimeOffset Progressed()
    {
        Resends = 0;
        return UpdatedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>Validation runs only when there is something to validate.</summary>
    public bool HasIdentifiers => !string.IsNullOrWhiteSpace(Mpn) || !string.IsNullOrWhiteSpace(Gtin);
}
