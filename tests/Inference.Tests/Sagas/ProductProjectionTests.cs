using System.Text.Json;
using Inference.Cli;
using Inference.Contracts;
using Inference.Gateway.Products;
using Inference.Sagas;

namespace Inference.Tests.Sagas;

/// <summary>
/// A product's saga is projected into the store's command, the Gateway's view and <c>inference run</c>'s output, each by the
/// one mapping beside the type it makes: every field such a type shares by name with <see cref="ProductState"/> carries the
/// saga's value, so a field added to both and forgotten in the mapping fails here.
/// </summary>
public sealed class ProductProjectionTests
{
    static readonly DateTimeOffset T = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);

    /// <summary>Every field of the saga set, each to a value of its own.</summary>
    static ProductState Saga() => new()
    {
        CorrelationId = Guid.NewGuid(),
        Version = 7,
        CurrentState = "Completed",
        Source = "acme-feed",
        SourceId = "sku-9",
        Text = "Kingston 1GB DDR2 KTC-D320/1G 4006381333931",
        TextHash = "hash",
        PendingText = "Kingston 2GB",
        PendingReceivedAt = T.AddMinutes(9),
        Category = "computers-accessories",
        Confidence = 0.93,
        TopK = [new CategoryScore("computers-accessories", 0.93), new CategoryScore("office-products", 0.05)],
        ClassifiedBy = QueueNames.ClassifyDeep,
        FastCategory = "office-products",
        FastConfidence = 0.41,
        Extractor = "computers-accessories",
        Brand = "Kingston",
        Mpn = "KTC-D320/1G",
        Gtin = "4006381333931",
        Attributes = new() { ["Capacity"] = "1GB" },
        Verdicts = [new IdentifierVerdict("gtin", "4006381333931", "4006381333931", true, "check digit")],
        Models = new() { ["classify"] = "classifier@1.2.0" },
        Revision = 3,
        Attempt = 2,
        Resends = 1,
        ReceivedAt = T,
        ClassifiedAt = T.AddSeconds(1),
        ExtractedAt = T.AddSeconds(2),
        ValidatedAt = T.AddSeconds(3),
        StoredAt = T.AddSeconds(4),
        FaultedAt = T.AddSeconds(5),
        UpdatedAt = T.AddSeconds(6),
        FaultStage = "store",
        FaultReason = "refused",
    };

    /// <summary>Asserts every property of <paramref name="projection"/> named as one of the saga's carries its value; returns how many did.</summary>
    static int AssertCarries(object projection, ProductState saga, IReadOnlyDictionary<string, string>? renamed = null, params string[] own)
    {
        var carried = 0;
        foreach (var property in projection.GetType().GetProperties().Where(p => !own.Contains(p.Name)))
        {
            var name = renamed?.GetValueOrDefault(property.Name) ?? property.Name;
            if (typeof(ProductState).GetProperty(name) is not { } source) continue;
            Assert.That(JsonSerializer.Serialize(property.GetValue(projection)), Is.EqualTo(JsonSerializer.Serialize(source.GetValue(saga))),
                $"{projection.GetType().Name}.{property.Name}");
            carried++;
        }

        return carried;
    }

    [Test]
    public void Should_send_the_store_every_field_of_the_command_from_the_saga()
    {
        var saga = Saga();
        var command = ProductCommands.Store(saga);
        var carried = AssertCarries(command, saga, new Dictionary<string, string> { [nameof(StoreProduct.ProductId)] = nameof(ProductState.CorrelationId) });
        Assert.That(carried, Is.EqualTo(typeof(StoreProduct).GetProperties().Length), "every field of StoreProduct comes from the saga");
    }

    [Test]
    public void Should_show_the_saga_over_http_as_it_is()
    {
        var saga = Saga();
        var view = ProductStateView.From(saga, "/v1/products/x");
        var carried = AssertCarries(view, saga, new Dictionary<string, string>
        {
            [nameof(ProductStateView.Id)] = nameof(ProductState.CorrelationId),
            [nameof(ProductStateView.State)] = nameof(ProductState.CurrentState),
        });
        Assert.That(carried, Is.GreaterThanOrEqualTo(17));
        Assert.That(view.Stages, Is.EqualTo(new StageTimes(saga.ReceivedAt, saga.ClassifiedAt, saga.ExtractedAt, saga.ValidatedAt, saga.StoredAt, saga.FaultedAt, saga.UpdatedAt)));
        Assert.That(view.Classification, Is.EqualTo(new ClassificationPath(QueueNames.ClassifyDeep, "office-products", 0.41)));
        Assert.That(view.Fault, Is.EqualTo(new ProductFault("store", "refused")));
        Assert.That(view.Record, Is.EqualTo("/v1/products/x/record"));
    }

    [Test]
    public void Should_write_the_saga_into_inference_run_s_output_as_it_is()
    {
        var saga = Saga();
        var record = EnrichedRecord.From(12, "line-12", saga);
        var carried = AssertCarries(record, saga, new Dictionary<string, string>
        {
            [nameof(EnrichedRecord.ProductId)] = nameof(ProductState.CorrelationId),
            [nameof(EnrichedRecord.State)] = nameof(ProductState.CurrentState),
        }, nameof(EnrichedRecord.Line), nameof(EnrichedRecord.Id));
        Assert.That(carried, Is.EqualTo(typeof(EnrichedRecord).GetProperties().Length - 2), "every field but the line's own comes from the saga");
        Assert.That((record.Line, record.Id), Is.EqualTo((12, "line-12")));
    }
}
