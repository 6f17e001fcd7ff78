using Inference.Contracts;
using Inference.Sagas;
using Microsoft.Extensions.Options;

namespace Inference.Tests.Sagas;

/// <summary>The one rule set of both doors: what each field must be, and the problem named by field as on the wire.</summary>
public sealed class ProductTextRulesTests
{
    static readonly ProductTextRules Rules = new(Options.Create(new ProductTextOptions { MaxTextBytes = 10 }));
    static readonly Guid Id = Guid.NewGuid();

    [Test]
    public void Should_accept_a_product_that_meets_every_rule() =>
        Assert.That(Rules.Check(new ProductTextReceived(Id, "shop", null, "usb mouse")), Is.Empty);

    [TestCase("", "source", "is empty")]
    [TestCase(null, "source", "is required")]
    [TestCase("sh\0op", "source", "holds a NUL")]
    public void Should_name_a_bad_source(string? source, string field, string problem) =>
        Assert.That(Rules.Check(new ProductTextReceived(Id, source!, null, "usb mouse")), Is.EqualTo(new[] { new FieldProblem(field, problem) }).Using<FieldProblem>(Same));

    [TestCase(null, "text", "is required")]
    [TestCase(" \n", "text", "is empty")]
    [TestCase("ééééé é", "text", "is 13 bytes of UTF-8, over the limit of 10 (Products:MaxTextBytes).")]
    [TestCase("ab\0", "text", "holds a NUL")]
    public void Should_name_a_bad_text(string? text, string field, string problem) =>
        Assert.That(Rules.Check(new ProductTextReceived(Id, "shop", null, text!)), Is.EqualTo(new[] { new FieldProblem(field, problem) }).Using<FieldProblem>(Same));

    [Test]
    public void Should_name_text_that_is_not_valid_unicode()
    {
        // Built here: an attribute's strings are stored as UTF-8, which cannot hold a lone surrogate.
        var lone = new string([(char)0xD800]);
        var problems = Rules.Check(new ProductTextReceived(Id, "sh" + lone, null, (char)0xDC00 + "ab"));
        Assert.That(problems.Select(p => p.ToString()), Has.Exactly(2).StartsWith("source is not valid Unicode").Or.StartsWith("text is not valid Unicode"));
    }

    [Test]
    public void Should_name_every_bad_field_at_once()
    {
        var problems = Rules.Check(new ProductTextReceived(Guid.Empty, null!, new string('x', 401), ""));
        Assert.That(problems.Select(p => p.Field), Is.EqualTo(new[] { "productId", "source", "sourceId", "text" }));
        Assert.That(problems[2].Problem, Does.Contain("401 characters long, over the limit of 400"));
    }

    [Test]
    public void Should_accept_a_blank_source_id_as_absent_and_a_surrogate_pair_as_text()
    {
        Assert.That(Rules.Check(new ProductTextReceived(Id, "shop", "  ", "usb 🖱")), Is.Empty);
        Assert.That(ProductTextRules.SourceId(null), Is.Null);
    }

    [Test]
    public void Should_give_a_product_without_received_at_the_receipt_time()
    {
        var now = DateTimeOffset.UtcNow;
        var given = DateTimeOffset.Parse("2026-01-02T03:04:05Z");
        Assert.That(ProductTextRules.WithReceipt(new ProductTextReceived(Id, "shop", null, "x"), now).ReceivedAt, Is.EqualTo(now));
        Assert.That(ProductTextRules.WithReceipt(new ProductTextReceived(Id, "shop", null, "x", default(DateTimeOffset)), now).ReceivedAt, Is.EqualTo(now));
        Assert.That(ProductTextRules.WithReceipt(new ProductTextReceived(Id, "shop", null, "x", given), now).ReceivedAt, Is.EqualTo(given));
    }

    /// <summary>A test case names the start of the problem; the rule may say more (what to do about it).</summary>
    static bool Same(FieldProblem actual, FieldProblem expected) => actual.Field == expected.Field && actual.Problem.StartsWith(expected.Problem, StringComparison.Ordinal);
}
