using Inference.Gateway;
using Inference.Gateway.Pipeline;
using Inference.Gateway.Security;
using Inference.Sagas;
using Microsoft.Extensions.Options;

namespace Inference.Tests.Gateway;

/// <summary>The small parts of the Gateway: key matching, settings validation, which queues are the pipeline's.</summary>
public sealed class GatewayPartsTests
{
    [Test]
    public void Should_match_a_configured_key_and_nothing_else()
    {
        var keys = new ApiKeys(Options.Create(new GatewayOptions { ApiKeys = ["first-key-0123456789", "second-key-0123456789"] }));
        Assert.That(keys.Match("second-key-0123456789"), Is.EqualTo(1));
        Assert.That(keys.Match("second-key-012345678"), Is.EqualTo(-1));
        Assert.That(keys.Match(""), Is.EqualTo(-1));
        Assert.That(keys.Match(null), Is.EqualTo(-1));
        Assert.That(new ApiKeys(Options.Create(new GatewayOptions())).Any, Is.False);
    }

    [Test]
    public void Should_refuse_short_keys_and_impossible_limits_naming_the_setting()
    {
        var validator = new GatewayOptionsValidator(Options.Create(new ProductTextOptions()));
        var result = validator.Validate(null, new GatewayOptions { ApiKeys = ["short"], MaxBatchSize = 0, DeadLetters = -1 });
        Assert.That(result.Failed, Is.True);
        Assert.That(result.Failures, Has.Some.Contains("Gateway:ApiKeys:0"));
        Assert.That(result.Failures, Has.Some.Contains("Gateway:MaxBatchSize"));
        Assert.That(result.Failures, Has.Some.Contains("Gateway:DeadLetters"));
        Assert.That(validator.Validate(null, new GatewayOptions()).Succeeded, Is.True, "the defaults");

        var huge = new GatewayOptionsValidator(Options.Create(new ProductTextOptions { MaxTextBytes = 16 * 1024 * 1024 }));
        Assert.That(huge.Validate(null, new GatewayOptions { MaxBatchSize = 100_000 }).Failures, Has.Some.Contains("Products:MaxTextBytes"),
            "a batch of the longest texts over 2 GiB");
    }

    [Test]
    public void Should_list_the_pipeline_queues_in_stage_order_each_before_its_error_queue()
    {
        string[] names =
        [
            "store_error", "gateway-events-vm-1234abcd", "product-state", "extract-generic_error", "validate", "classify_error",
            "extract-home-garden", "store", "classify", "extract-generic", "something-else", "extract-", "product-state_skipped",
        ];
        var ordered = names.Where(n => PipelineQueue.Rank(n) is not null).OrderBy(PipelineQueue.Rank, StringComparer.Ordinal);
        Assert.That(ordered, Is.EqualTo(new[]
        {
            "classify", "classify_error", "extract-generic", "extract-generic_error", "extract-home-garden", "validate", "store", "store_error",
            "product-state", "product-state_skipped",
        }));
    }
}
