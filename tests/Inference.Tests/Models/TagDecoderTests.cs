using Inference.Models.Onnx;
using Inference.Models.Onnx.Text;

namespace Inference.Tests.Models;

/// <summary>Tags to values, as the extractors' manifests say (and models/training/tagger.py does).</summary>
public sealed class TagDecoderTests
{
    static readonly string[] Core = ["O", "B-BRAND", "I-BRAND", "B-MPN", "I-MPN", "B-GTIN", "I-GTIN"];
    static readonly string[] Attr = ["O", "B-Color(s)", "I-Color(s)", "B-Width", "I-Width"];
    static readonly LoadedModel Model = Artifacts.Load("extractor-generic");
    static readonly TagDecoder Decoder = new(Model.Manifest, Model.Tables);
    static readonly Tokenizer Tokenizer = new(Model.Tables);

    /// <summary>Per token, the label it is tagged with (probability <paramref name="p"/>, the rest shared by the others).</summary>
    static double[] Probs(string[] labels, string[] tags, double p = 0.9)
    {
        var probs = new double[tags.Length * labels.Length];
        for (var t = 0; t < tags.Length; t++)
        {
            for (var k = 0; k < labels.Length; k++) probs[t * labels.Length + k] = (1 - p) / (labels.Length - 1);
            probs[t * labels.Length + Array.IndexOf(labels, tags[t])] = p;
        }

        return probs;
    }

    static Dictionary<string, string> Decode(string text, string[] labels, double[] probs, bool isCore = true)
    {
        var tokens = Tokenizer.Tokenize(text, 256);
        var spans = new List<DecodedSpan>();
        Decoder.Decode(tokens, probs, labels, isCore, spans);
        return spans.ToDictionary(s => s.Label, s => s.Value);
    }

    [Test]
    public void Should_read_bio_spans_as_values_of_the_original_text()
    {
        // HP | 417772 | - | b21 | Xeon
        var found = Decode("HP 417772-B21 Xeon", Core, Probs(Core, ["B-BRAND", "B-MPN", "I-MPN", "I-MPN", "O"]));
        Assert.That(found, Is.EqualTo(new Dictionary<string, string> { ["BRAND"] = "HP", ["MPN"] = "417772-B21" }));
    }

    [Test]
    public void Should_start_a_span_at_an_inside_tag_after_another_label()
    {
        var found = Decode("acme widget 1234", Core, Probs(Core, ["O", "I-BRAND", "O"]));
        Assert.That(found["BRAND"], Is.EqualTo("widget"));
    }

    [Test]
    public void Should_keep_the_span_with_the_best_mean_score()
    {
        var probs = Probs(Core, ["B-BRAND", "O", "B-BRAND"]);
        probs[2 * Core.Length + 1] = 0.95; // the second BRAND is surer
        Assert.That(Decode("sony and canon", Core, probs)["BRAND"], Is.EqualTo("canon"));
    }

    [Test]
    public void Should_fall_back_to_the_likeliest_start_for_brand_and_mpn_only()
    {
        var probs = Probs(Core, ["O", "O", "O"], 0.8);
        probs[1 * Core.Length + 3] = 0.15; // no token is tagged MPN, but B-MPN is likeliest at token 1
        probs[1 * Core.Length + 0] = 0.65;
        var found = Decode("widget abc def", Core, probs);
        Assert.That(found["MPN"], Is.EqualTo("abc"));
        Assert.That(found, Does.ContainKey("BRAND"));
        Assert.That(found, Does.Not.ContainKey("GTIN"));
    }

    [TestCase("panasonic kx-tga410m phone", new[] { "O", "B-MPN", "O", "O", "O" }, "kx-tga410m")]
    [TestCase("size 3-7/8\" wide", new[] { "O", "O", "O", "B-MPN", "O", "O", "O", "O" }, "3-7/8\"")]
    [TestCase("T15232, 322353", new[] { "B-MPN", "O", "O" }, "T15232")]
    public void Should_snap_mpn_spans_to_joined_punctuation(string text, string[] tags, string value) =>
        Assert.That(Decode(text, Core, Probs(Core, tags))["MPN"], Is.EqualTo(value));

    [Test]
    public void Should_not_snap_the_brand()
    {
        var found = Decode("hewlett-packard toner", Core, Probs(Core, ["B-BRAND", "O", "O", "O"]));
        Assert.That(found["BRAND"], Is.EqualTo("hewlett"));
    }

    [Test]
    public void Should_snap_attributes_but_stop_at_other_punctuation()
    {
        var found = Decode("Color:Black", Attr, Probs(Attr, ["O", "O", "B-Color(s)"]), isCore: false);
        Assert.That(found, Is.EqualTo(new Dictionary<string, string> { ["Color(s)"] = "Black" }));
    }

    [Test]
    public void Should_give_no_value_for_a_span_without_a_word()
    {
        var found = Decode("a - b", Attr, Probs(Attr, ["O", "B-Width", "O"]), isCore: false);
        Assert.That(found, Is.Empty);
    }

    [Test]
    public void Should_decode_nothing_without_tokens() =>
        Assert.That(Decode("   ", Core, []), Is.Empty);
}
