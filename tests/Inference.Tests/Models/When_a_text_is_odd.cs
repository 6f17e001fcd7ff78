using Inference.Models;
using Inference.Models.Onnx;

namespace Inference.Tests.Models;

/// <summary>Every model gives a defined answer for text it was not made for: empty, blank, another script, emoji, very long, unseen words.</summary>
[Category("Models")]
public sealed class When_a_text_is_odd
{
    static readonly string VeryLong = string.Concat(Enumerable.Repeat("Logitech MX Master 3 mouse 910-005647 ", 5_000)) + " Kingston KTC-D320/1G";

    public static readonly string[] OddTexts =
    [
        "", " ", "\t\r\n \u3000", "Стиральная машина Bosch", "华为 MateBook 14 笔记本电脑", "مرحبا بالعالم", "😀🎧👍🏽",
        "𝐁𝐨𝐥𝐝 𐐀𐐁", "lone \ud800 surrogate \udc00 here", "qwxzv zzqjkx plmoknij xyzzy", "\0\u0001\u200b", VeryLong,
    ];

    static readonly OnnxCategoryClassifier Classifier = new(Artifacts.Load("classifier"));

    static IEnumerable<string> Extractors() => Artifacts.Extractors;

    [Test]
    public void The_classifier_gives_a_distribution_for_each()
    {
        var probabilities = Classifier.Probabilities(OddTexts);
        var predictions = Classifier.Classify(OddTexts);
        for (var i = 0; i < OddTexts.Length; i++)
        {
            Assert.That(probabilities[i].Sum(), Is.EqualTo(1.0).Within(1e-4));
            Assert.That(predictions[i].Category, Is.Not.Null.And.AnyOf(Classifier.Labels.ToArray()));
            Assert.That(predictions[i].Confidence, Is.InRange(0.0, 1.0));
            Assert.That(predictions[i].TopK, Has.Count.EqualTo(3));
            Assert.That(predictions[i].TopK.Select(t => t.Score), Is.Ordered.Descending);
        }

        // no token at all: the bias-only distribution, the same for every blank text
        Assert.That(probabilities[1], Is.EqualTo(probabilities[0]));
        Assert.That(probabilities[2], Is.EqualTo(probabilities[0]));
    }

    [Test]
    public void The_classifier_reads_only_the_first_tokens_of_a_very_long_text()
    {
        var head = Classifier.Probabilities([VeryLong])[0];
        var longer = Classifier.Probabilities([VeryLong + string.Concat(Enumerable.Repeat(" toner cartridge", 1000))])[0];
        Assert.That(longer, Is.EqualTo(head));
    }

    [TestCaseSource(nameof(Extractors))]
    public void The_extractor_extracts_nothing_from_blank_text_and_never_throws(string name)
    {
        var extractor = new OnnxAttributeExtractor(Artifacts.Load(name));
        var found = extractor.Extract(OddTexts);
        Assert.That(found, Has.Count.EqualTo(OddTexts.Length));
        for (var i = 0; i < 3; i++) Assert.That(found[i], Is.SameAs(Extraction.Empty), $"text {i}");
        for (var i = 3; i < OddTexts.Length; i++)
        {
            foreach (var value in new[] { found[i].Brand, found[i].Mpn, found[i].Gtin }.Concat(found[i].Attributes.Values).OfType<string>())
            {
                Assert.That(value, Is.Not.Empty);
                Assert.That(value.Any(char.IsSurrogate) ? value.Any(char.IsHighSurrogate) : true, Is.True);
            }
        }

        // truncated at the token limit: a value after it is never found
        Assert.That(found[^1].Mpn, Is.Not.EqualTo("KTC-D320/1G"));
        Assert.That(found[8].Brand ?? "", Does.Not.Contain("\ud800"));
    }

    [Test]
    public void The_mpn_scorer_scores_every_candidate_in_range()
    {
        var scorer = OnnxModels.MpnScorer(Artifacts.Options, Artifacts.Registry);
        var candidates = OddTexts.Select(t => new MpnCandidate(t, t, null))
            .Append(new MpnCandidate(null, "", null)).Append(new MpnCandidate("", "KTC-D320/1G", "no-such-category")).ToArray();
        var scores = scorer.Score(candidates);
        Assert.That(scores, Has.Count.EqualTo(candidates.Length));
        Assert.That(scores, Has.All.InRange(0.0, 1.0));
        Assert.That(scorer.Threshold, Is.InRange(0.0, 1.0));
    }

    [Test]
    public void An_empty_batch_gives_an_empty_answer()
    {
        Assert.That(Classifier.Classify([]), Is.Empty);
        Assert.That(new OnnxAttributeExtractor(Artifacts.Load("extractor-generic")).Extract([]), Is.Empty);
        Assert.That(OnnxModels.MpnScorer(Artifacts.Options, Artifacts.Registry).Score([]), Is.Empty);
    }
}
