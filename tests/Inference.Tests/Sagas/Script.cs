using System.Collections.Concurrent;
using Inference.Contracts;
using MassTransit;

namespace Inference.Tests.Sagas;

/// <summary>What the scripted stand-ins for the model services answer, keyed by product, and what they were asked.</summary>
public sealed class Script
{
    public ConcurrentDictionary<Guid, (string? Category, double Confidence)> Categories { get; } = new();
    public ConcurrentDictionary<Guid, (string? Category, double Confidence)> DeepCategories { get; } = new();
    public ConcurrentDictionary<Guid, (string? Brand, string? Mpn, string? Gtin)> Identifiers { get; } = new();

    /// <summary>Product → the stage whose consumer throws for it.</summary>
    public ConcurrentDictionary<Guid, string> FailAt { get; } = new();

    /// <summary>Product → the stage whose consumer takes the command and never answers.</summary>
    public ConcurrentDictionary<Guid, string> SilentAt { get; } = new();

    /// <summary>Product → the stage whose consumer takes the first command and never answers it (a lost command), but answers the next.</summary>
    public ConcurrentDictionary<Guid, string> SilentOnceAt { get; } = new();

    /// <summary>Product → the stage whose consumer waits, before it answers, until the gate is opened.</summary>
    public ConcurrentDictionary<Guid, (string Stage, TaskCompletionSource Gate)> HeldAt { get; } = new();

    /// <summary>The model the fast classifier answers with (a test upgrades it).</summary>
    public ModelRef ClassifierModel { get; set; } = Model;

    /// <summary>Every StoreProduct the store stand-in was given, in order.</summary>
    public ConcurrentQueue<StoreProduct> Stored { get; } = new();

    /// <summary>Every end of a run the saga announced (<see cref="ProductCompleted"/>, <see cref="ProductFaulted"/>), as heard on the bus.</summary>
    public ConcurrentQueue<object> Ends { get; } = new();

    /// <summary>Whether the saga announced an end of type <typeparamref name="T"/> for the product.</summary>
    public bool Ended<T>(Guid productId) where T : class =>
        Ends.OfType<T>().Any(e => e switch { ProductCompleted c => c.ProductId == productId, ProductFaulted f => f.ProductId == productId, _ => false });

    /// <summary>Holds <paramref name="productId"/> at <paramref name="stage"/>; the returned gate lets it go on.</summary>
    public TaskCompletionSource Hold(Guid productId, string stage)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        HeldAt[productId] = (stage, gate);
        return gate;
    }

    /// <summary>Waits while the product is held at the stage.</summary>
    Task PassAsync(string stage, Guid productId) =>
        HeldAt.TryGetValue(productId, out var held) && held.Stage == stage ? held.Gate.Task : Task.CompletedTask;

    /// <summary>Asked after <see cref="Record"/>: whether this call goes unanswered.</summary>
    bool IsSilent(string stage, Guid productId) =>
        (SilentAt.TryGetValue(productId, out var silent) && silent == stage)
        || (SilentOnceAt.TryGetValue(productId, out var once) && once == stage && CallsTo(stage, productId) == 1);

    /// <summary>Every (stage, product, queue) a stand-in consumed, in order.</summary>
    public ConcurrentQueue<(string Stage, Guid ProductId, string Queue)> Calls { get; } = new();

    void Record(string stage, Guid productId, Uri? inputAddress) =>
        Calls.Enqueue((stage, productId, inputAddress?.AbsolutePath.Trim('/') ?? ""));

    public int CallsTo(string stage, Guid productId) => Calls.Count(c => c.Stage == stage && c.ProductId == productId);

    public string? QueueOf(string stage, Guid productId) =>
        Calls.Where(c => c.Stage == stage && c.ProductId == productId).Select(c => c.Queue).FirstOrDefault();

    void ThrowIfScripted(string stage, Guid productId)
    {
        if (FailAt.TryGetValue(productId, out var failing) && failing == stage)
            throw new InvalidOperationException($"scripted failure in {stage}");
    }

    /// <summary>
    /// What every stand-in does before it answers: records the call, fails or stays silent when scripted so, and waits while the
    /// product is held at the stage. False: the call goes unanswered.
    /// </summary>
    public async Task<bool> AnswersAsync(string stage, Guid productId, ConsumeContext context)
    {
        Record(stage, productId, context.ReceiveContext.InputAddress);
        ThrowIfScripted(stage, productId);
        if (IsSilent(stage, productId)) return false;
        await PassAsync(stage, productId);
        return true;
    }

    public static readonly ModelRef Model = new("scripted", "test");

    public static readonly ModelRef DeepModel = new("scripted-deep", "test");

    public static ProductClassified Classified(Guid productId, string? category, double confidence, ModelRef? model = null, string queue = QueueNames.Classify) =>
        new(productId, category, confidence, category is null ? [] : [new CategoryScore(category, confidence)], model ?? Model, queue);
}
