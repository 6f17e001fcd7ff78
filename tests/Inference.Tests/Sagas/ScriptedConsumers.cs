using Inference.Contracts;
using MassTransit;

namespace Inference.Tests.Sagas;

// Stand-ins for the model services, so the saga's logic is tested on its own: each answers what the Script says.

public sealed class ScriptedClassifier(Script script) : IConsumer<ClassifyProduct>
{
    public Task Consume(ConsumeContext<ClassifyProduct> context) =>
        Classify(script, context, context.Message.ProductId, QueueNames.Classify, script.Categories, script.ClassifierModel);

    /// <summary>What both classifiers do: answer the scripted category, when the script lets the call be answered.</summary>
    internal static async Task Classify(Script script, ConsumeContext context, Guid id, string stage,
        IReadOnlyDictionary<Guid, (string? Category, double Confidence)> answers, ModelRef model)
    {
        if (!await script.AnswersAsync(stage, id, context)) return;
        var (category, confidence) = answers.GetValueOrDefault(id, ("computers-accessories", 0.9));
        await context.Publish(Script.Classified(id, category, confidence, model, stage));
    }
}

public sealed class ScriptedDeepClassifier(Script script) : IConsumer<ClassifyProductDeep>
{
    public Task Consume(ConsumeContext<ClassifyProductDeep> context) =>
        ScriptedClassifier.Classify(script, context, context.Message.ProductId, QueueNames.ClassifyDeep, script.DeepCategories, Script.DeepModel);
}

public sealed class ScriptedExtractor(Script script) : IConsumer<ExtractAttributes>
{
    public async Task Consume(ConsumeContext<ExtractAttributes> context)
    {
        var id = context.Message.ProductId;
        if (!await script.AnswersAsync("extract", id, context)) return;
        var (brand, mpn, gtin) = script.Identifiers.GetValueOrDefault(id, ("acme", "AC-1000", null));
        await context.Publish(new AttributesExtracted(id, brand, mpn, gtin, new Dictionary<string, string> { ["Colour"] = "black" }, Script.Model));
    }
}

public sealed class ScriptedValidator(Script script) : IConsumer<ValidateIdentifiers>
{
    public async Task Consume(ConsumeContext<ValidateIdentifiers> context)
    {
        var id = context.Message.ProductId;
        if (!await script.AnswersAsync("validate", id, context)) return;
        IdentifierVerdict[] verdicts = context.Message.Mpn is null ? [] : [new IdentifierVerdict("mpn", context.Message.Mpn, null, true, "scripted")];
        await context.Publish(new IdentifiersValidated(id, verdicts, Script.Model));
    }
}

public sealed class ScriptedStore(Script script) : IConsumer<StoreProduct>
{
    public async Task Consume(ConsumeContext<StoreProduct> context)
    {
        var id = context.Message.ProductId;
        if (!await script.AnswersAsync("store", id, context)) return;
        script.Stored.Enqueue(context.Message);
        await context.Publish(new ProductStored(id, context.Message.Revision, DateTimeOffset.UtcNow));
    }
}

/// <summary>Hears the saga's end events, as <c>inference run</c> and the Gateway do, so scenarios wait on them.</summary>
public sealed class RunEndListener(Script script) : IConsumer<ProductCompleted>, IConsumer<ProductFaulted>
{
    public Task Consume(ConsumeContext<ProductCompleted> context)
    {
        script.Ends.Enqueue(context.Message);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<ProductFaulted> context)
    {
        script.Ends.Enqueue(context.Message);
        return Task.CompletedTask;
    }
}
