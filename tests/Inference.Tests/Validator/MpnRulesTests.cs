using Inference.Contracts;
using Inference.Models;
using Inference.Validator;

namespace Inference.Tests.Validator;

public sealed class MpnRulesTests
{
    static readonly MpnRules Rules = new();

    [TestCase("417772-B21")]
    [TestCase("ktc-d320/1g")]
    [TestCase("152132")]
    [TestCase("dkvm-cb")]
    [TestCase("XER106R01409")]
    public void Should_accept_part_number_shapes(string mpn) =>
        Assert.That(Rules.Check(mpn, "hp").Valid, Is.True);

    [TestCase("", "no letters or digits")]
    [TestCase("--", "no letters or digits")]
    [TestCase("a1", "too short")]
    [TestCase("c64 , c66 , c84", "several part numbers")]
    [TestCase("500gb", "a measure")]
    [TestCase("2.0 ghz", "a measure")]
    [TestCase("sd gaming cards", "words without a digit")]
    [TestCase("external battery @@", "does not belong")]
    [TestCase("Kingston", "the brand")]
    public void Should_refuse_with_a_reason(string mpn, string reason)
    {
        var verdict = Rules.Check(mpn, "kingston");
        Assert.That(verdict.Valid, Is.False);
        Assert.That(verdict.Reason, Does.Contain(reason));
    }

    [Test]
    public void Should_let_a_model_score_overrule_the_shape_rules()
    {
        var validator = new IdentifierValidator(new GtinRules(Gs1PrefixTable.Load()), Rules, new FixedScorer(0.2));
        var verdicts = validator.Validate(new ValidateIdentifiers(Guid.NewGuid(), "acme", "AC-1000", "4006381333931", null));
        Assert.That(verdicts.Select(v => v.Kind), Is.EqualTo(new[] { "gtin", "mpn" }));
        var mpn = verdicts[1];
        Assert.That(mpn.Valid, Is.False);
        Assert.That(mpn.Score, Is.EqualTo(0.2));
        Assert.That(validator.Model.Name, Is.EqualTo("fixed"));
    }

    [Test]
    public void Should_name_the_baseline_without_a_model() =>
        Assert.That(new IdentifierValidator(new GtinRules(Gs1PrefixTable.Load()), Rules).Model.Name, Is.EqualTo("baseline-validator"));

    /// <summary>A scorer that says the same for everything: only the validator's use of a score is under test.</summary>
    sealed class FixedScorer(double score) : IMpnScorer
    {
        public ModelRef Model { get; } = new("fixed", "0");
        public double Threshold => 0.5;
        public IReadOnlyList<double> Score(IReadOnlyList<MpnCandidate> candidates) => candidates.Select(_ => score).ToArray();
    }
}
