using System.Text.Json;
using Inference.Models.Identifiers;
using Inference.Validator;

namespace Inference.Tests.Validator;

public sealed class GtinRulesTests
{
    static readonly GtinRules Rules = new(Gs1PrefixTable.Load());

    [TestCase("4006381333931", Description = "GTIN-13, GS1 Germany")]
    [TestCase("036000291452", Description = "UPC-A (GTIN-12), GS1 US")]
    [TestCase("095205742466", Description = "UPC-A from a dev record")]
    [TestCase("96385074", Description = "GTIN-8 in a Global Office GTIN-8 range")]
    [TestCase("40170725", Description = "GTIN-8, GS1 Germany")]
    [TestCase("10036000291459", Description = "GTIN-14 with indicator 1")]
    [TestCase("0 36000 29145 2", Description = "spaces as printed under a barcode")]
    public void Should_accept_trade_item_gtins(string gtin)
    {
        var verdict = Rules.Check(gtin);
        Assert.That(verdict.Valid, Is.True, verdict.Reason);
        Assert.That(verdict.Normalized, Has.Length.EqualTo(14));
    }

    [TestCase("4006381333932", "check digit 2 is wrong: GS1 mod-10 gives 1")]
    [TestCase("40063813339", "11 digits")]
    [TestCase("4006-ABC", "not a number")]
    [TestCase("0000000000000", "all zeros")]
    [TestCase("00000000", "all zeros")]
    [TestCase("2123456789010", "restricted circulation")]
    [TestCase("0412345678903", "restricted circulation")]
    [TestCase("9780306406157", "ISBN")]
    [TestCase("9771234567003", "ISSN")]
    [TestCase("9812345678902", "coupon")]
    [TestCase("9801234567892", "not a trade item")]
    [TestCase("9521234567899", "demonstrations")]
    [TestCase("9601234567898", "GTIN-8 range")]
    [TestCase("01234565", "restricted circulation")]
    [TestCase("0501234567890", "not allocated")]
    public void Should_refuse_with_a_reason(string gtin, string reason)
    {
        var verdict = Rules.Check(gtin);
        Assert.That(verdict.Valid, Is.False);
        Assert.That(verdict.Reason, Does.Contain(reason));
    }

    [Test]
    public void Should_find_the_check_digit_failures_the_dev_data_reports()
    {
        // The data's README: 509 dev records carry a GTIN and 396 of them pass the GS1 check digit.
        var gtins = DevGtins().ToArray();
        Assert.That(gtins, Has.Length.EqualTo(509));
        var passing = gtins.Count(g => Gtin.Digits(g) is { } d && Gtin.HasValidLength(d) && Gtin.HasValidCheckDigit(d));
        Assert.That(passing, Is.EqualTo(396));
    }

    [Test]
    public void Should_give_every_dev_gtin_a_verdict_and_a_reason()
    {
        var verdicts = DevGtins().Select(Rules.Check).ToArray();
        Assert.That(verdicts, Has.All.Matches<Inference.Contracts.IdentifierVerdict>(v => v.Reason.Length > 0));
        // Valid ones are a subset of the check-digit passes: the prefix rules only take away.
        Assert.That(verdicts.Count(v => v.Valid), Is.InRange(300, 396));
        // WDC shops put UNSPSC codes in gtin8 (e.g. 43201404): the prefix or check digit must catch them.
        Assert.That(Rules.Check("43201404").Valid, Is.False);
    }

    static IEnumerable<string> DevGtins() =>
        File.ReadLines(Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "dev-gtins.jsonl"))
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("gtin").GetString()!);
}
