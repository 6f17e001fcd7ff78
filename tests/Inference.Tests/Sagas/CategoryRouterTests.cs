using Inference.Sagas;
using Microsoft.Extensions.Options;

namespace Inference.Tests.Sagas;

public sealed class CategoryRouterTests
{
    static CategoryRouter Router(double minConfidence = 0.6) => new(Options.Create(new RoutingOptions
    {
        MinConfidence = minConfidence,
        Fallback = "generic",
        Routes = new(StringComparer.OrdinalIgnoreCase)
        {
            ["computers-accessories"] = "computers-accessories",
            ["camera-photo"] = "electronics",
            ["tv-video"] = "electronics",
        },
    }));

    [TestCase("computers-accessories", 0.9, ExpectedResult = "extract-computers-accessories")]
    [TestCase("COMPUTERS-ACCESSORIES", 0.9, ExpectedResult = "extract-computers-accessories")]
    [TestCase("camera-photo", 0.9, ExpectedResult = "extract-electronics")]
    [TestCase("tv-video", 0.61, ExpectedResult = "extract-electronics")]
    [TestCase("tv-video", 0.6, ExpectedResult = "extract-electronics")]
    [TestCase("tv-video", 0.59, ExpectedResult = "extract-generic")]
    [TestCase("audio", 0.99, ExpectedResult = "extract-generic")]
    [TestCase("", 0.99, ExpectedResult = "extract-generic")]
    [TestCase(null, 0.99, ExpectedResult = "extract-generic")]
    public string Should_route_by_category_and_confidence(string? category, double confidence) =>
        Router().QueueFor(category, confidence);

    [Test]
    public void Should_list_every_extractor_once_with_the_fallback() =>
        Assert.That(new RoutingOptions
        {
            Fallback = "generic",
            Routes = { ["a"] = "x", ["b"] = "x", ["c"] = "y" },
        }.Extractors, Is.EqualTo(new[] { "generic", "x", "y" }));

    [Test]
    public void Should_refuse_names_that_are_not_queue_safe()
    {
        var result = new RoutingOptionsValidator().Validate(null, new RoutingOptions
        {
            MinConfidence = 1.5,
            Fallback = "Generic Queue",
            Routes = { ["audio"] = "audio/hifi" },
        });
        Assert.That(result.Failed, Is.True);
        Assert.That(result.Failures, Has.Some.Contains("MinConfidence"));
        Assert.That(result.Failures, Has.Some.Contains("'Generic Queue'"));
        Assert.That(result.Failures, Has.Some.Contains("'audio/hifi'"));
    }

    [Test]
    public void Should_accept_the_shipped_routing_table()
    {
        var result = new RoutingOptionsValidator().Validate(null, new RoutingOptions { Routes = { ["home-garden"] = "home-garden" } });
        Assert.That(result.Succeeded, Is.True);
    }
}
