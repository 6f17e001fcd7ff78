using Inference.Models;
using Inference.Models.Identifiers;
using Inference.Models.Onnx;
using Inference.Models.Onnx.Text;
using Microsoft.Extensions.Configuration;

namespace Inference.Tests.Models;

/// <summary>
/// The rules that run after the decoder (<see cref="ExtractionRules"/>), one at a time, on decoded spans made by hand over the shipped models'
/// tokenizer, tables and gazetteers.
/// </summary>
public sealed class ExtractionRulesTests
{
    static readonly Dictionary<string, OnnxAttributeExtractor> Extractors = [];

    static OnnxAttributeExtractor Extractor(string name)
    {
        lock (Extractors)
        {
            if (!Extractors.TryGetValue(name, out var extractor)) Extractors[name] = extractor = new OnnxAttributeExtractor(Artifacts.Load(name), ExtractionRule.None);
            return extractor;
        }
    }

    static ExtractionRules Rules(ExtractionRule rule, string model = "extractor-office-products")
    {
        var e = Extractor(model);
        return new ExtractionRules(e.Featurizer.Tokenizer.Tables, e.Decoder, e.AttributeNames, e.Featurizer.Attributes, e.Featurizer.AttributeNames, rule);
    }

    static TokenizedText Tokens(string text, string model = "extractor-office-products")
    {
        var tokens = new TokenizedText();
        Extractor(model).Featurizer.Tokenize(text, tokens);
        return tokens;
    }

    /// <summary>A decoded span over the tokens of the first occurrence of <paramref name="value"/> (it must start and end on token edges).</summary>
    static DecodedSpan Span(TokenizedText tokens, string label, string value, int occurrence = 0)
    {
        var start = -1;
        for (var k = 0; k <= occurrence; k++) start = tokens.Text.IndexOf(value, start + 1, StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), $"'{value}' in '{tokens.Text}'");
        var stop = start + value.Length;
        int first = -1, end = -1;
        for (var t = 0; t < tokens.Count; t++)
        {
            if (tokens[t].Start == start) first = t;
            if (tokens[t].End == stop) end = t + 1;
        }

        Assert.That(first >= 0 && end > first, $"'{value}' is a run of whole tokens of '{tokens.Text}'");
        return new DecodedSpan(label, first, end, start, stop, value, 0.9);
    }

    static Dictionary<string, string> Apply(ExtractionRule rule, string text, params (string Label, string Value)[] decoded) =>
        ApplyIn("extractor-office-products", rule, text, decoded);

    static Dictionary<string, string> ApplyIn(string model, ExtractionRule rule, string text, params (string Label, string Value)[] decoded)
    {
        var tokens = Tokens(text, model);
        var spans = decoded.Select(d => Span(tokens, d.Label, d.Value)).ToList();
        Rules(rule, model).Apply(tokens, spans);
        foreach (var span in spans)
            Assert.That(tokens.Text[span.Start..span.Stop], Is.EqualTo(span.Value), $"{span.Label}: the value is the text at its offsets");
        return spans.ToDictionary(s => s.Label, s => s.Value);
    }

    // ---------------------------------------------------------------- GTIN by check digit

    [Test]
    public void Should_take_a_bare_number_with_a_valid_check_digit_as_the_gtin()
    {
        var found = Apply(ExtractionRule.GtinByCheckDigit, "Kingston 1GB KTC-D320/1G 4006381333931 memory", ("BRAND", "Kingston"), ("MPN", "KTC-D320/1G"));
        Assert.That(found, Is.EqualTo(new Dictionary<string, string> { ["BRAND"] = "Kingston", ["MPN"] = "KTC-D320/1G", ["GTIN"] = "4006381333931" }));
    }

    [TestCase("UPC: 095205742466INNER PACKAGING: 1 each", "095205742466")] // glued to the next field's name
    [TestCase("gtin 10013700836388 case", "10013700836388")]
    [TestCase("sku 4006381333932, ean 4006381333931", "4006381333931")] // the first whose check digit holds
    public void Should_find_the_gtin_among_other_characters(string text, string gtin) =>
        Assert.That(Apply(ExtractionRule.GtinByCheckDigit, text)["GTIN"], Is.EqualTo(gtin));

    [TestCase("item 21939440 toner")] // GTIN-8 length, check digit holds: on folds 0-7 such numbers are item numbers, never the GTIN
    [TestCase("upc 0 12345 67890 5")] // printed in groups: never the GTIN on folds 0-7
    [TestCase("upc 012345678906")] // wrong check digit
    [TestCase("part 000000000000")] // all zeros
    [TestCase("serial 40063813339310")] // 14 digits, the check digit fails
    [TestCase("no digits at all")]
    public void Should_not_take_other_numbers_as_the_gtin(string text)
    {
        Assert.That(Gtin.HasValidCheckDigit("21939440") && Gtin.HasValidCheckDigit("012345678905"), "the examples' check digits hold");
        Assert.That(Apply(ExtractionRule.GtinByCheckDigit, text), Does.Not.ContainKey("GTIN"));
    }

    [Test]
    public void Should_keep_the_gtin_the_model_found_even_with_a_wrong_check_digit() =>
        Assert.That(Apply(ExtractionRule.GtinByCheckDigit, "upc 040036684183 and 4006381333931", ("GTIN", "040036684183"))["GTIN"], Is.EqualTo("040036684183"));

    [Test]
    public void Should_find_a_gtin_past_the_tokens_the_model_read()
    {
        var text = string.Join(' ', Enumerable.Repeat("word", 300)) + " 4006381333931";
        var tokens = Tokens(text);
        Assert.That(tokens.Count, Is.EqualTo(256), "the extractors read 256 tokens");
        var spans = new List<DecodedSpan>();
        Rules(ExtractionRule.GtinByCheckDigit).Apply(tokens, spans);
        Assert.That(spans.Single().Value, Is.EqualTo("4006381333931"));
        Assert.That((spans[0].First, spans[0].End), Is.EqualTo((256, 256)), "an empty token range past the last token");
    }

    [Test]
    public void Should_leave_the_mpn_that_is_the_gtin_number_as_it_is()
    {
        var found = Apply(ExtractionRule.GtinByCheckDigit | ExtractionRule.MpnWithoutGtin, "marware microshell for ipad 2 black 602956008552",
            ("MPN", "602956008552"));
        Assert.That(found["MPN"], Is.EqualTo("602956008552"));
        Assert.That(found["GTIN"], Is.EqualTo("602956008552"));
    }

    // ---------------------------------------------------------------- the GTIN is not part of the MPN

    [TestCase("monitors 9h lf4lb dbe 4718755065736 | more", "9h lf4lb dbe 4718755065736", "9h lf4lb dbe")]
    [TestCase("sku 4718755065736 9h-lf4lb dbe", "4718755065736 9h-lf4lb dbe", "9h-lf4lb dbe")]
    [TestCase("model 9h4718755065736 x", "9h4718755065736", "9h4718755065736")] // glued: not a separate number
    public void Should_cut_the_gtin_off_the_mpn(string text, string mpn, string expected) =>
        Assert.That(Apply(ExtractionRule.GtinByCheckDigit | ExtractionRule.MpnWithoutGtin, text, ("MPN", mpn))["MPN"], Is.EqualTo(expected));

    // ---------------------------------------------------------------- MPN across the case split

    [TestCase("Kingston KTC-D320/1G memory", "KTC-D320/1", "KTC-D320/1G")]
    [TestCase("Duke 613Q-E3XX 38\" oven", "613Q-E3", "613Q-E3XX")]
    [TestCase("Part ABC1D320 fits", "D320", "ABC1D320")] // the start too
    [TestCase("Price DC961-5Pack New", "DC961-5", "DC961-5")] // a glued word with lowercase letters is not the code's
    [TestCase("Kingston KTC-D320 1G", "KTC-D320", "KTC-D320")] // a space: not one run of word characters
    public void Should_widen_the_mpn_over_a_case_split(string text, string mpn, string expected) =>
        Assert.That(Apply(ExtractionRule.MpnCaseSplitEdges, text, ("MPN", mpn))["MPN"], Is.EqualTo(expected));

    [Test]
    public void Should_widen_only_the_mpn_over_a_case_split()
    {
        var found = Apply(ExtractionRule.MpnCaseSplitEdges, "Acme WhiteUPC: 095205742466INNER PACKAGING 1P",
            ("BRAND", "Acme"), ("Color(s)", "White"), ("GTIN", "095205742466"), ("Pack Quantity", "1"));
        Assert.That(found, Is.EqualTo(new Dictionary<string, string>
        {
            ["BRAND"] = "Acme", ["Color(s)"] = "White", ["GTIN"] = "095205742466", ["Pack Quantity"] = "1",
        }));
    }

    // ---------------------------------------------------------------- pack quantity

    [TestCase("Price 9X923-2Pack w/9D988", "9X923-2", "9X923")]
    [TestCase("Price 459508-B21-10Pack", "459508-B21-10", "459508-B21")]
    [TestCase("Price 9X923-2 Pack", "9X923-2", "9X923-2")] // not glued
    [TestCase("Price 9X923-2Packs", "9X923-2", "9X923-2")]
    public void Should_drop_the_pack_quantity_from_the_mpn(string text, string mpn, string expected) =>
        Assert.That(Apply(ExtractionRule.MpnPackQuantity, text, ("MPN", mpn))["MPN"], Is.EqualTo(expected));

    // ---------------------------------------------------------------- attributes

    [TestCase("one-year limited warranty.Blue ink", "warranty.Blue", "Blue")]
    [TestCase("Color(s): Black.UPC: 1", "Black.UPC", "Black")]
    [TestCase("a warranty.Note", "warranty.Note", "warranty.Note")] // no part is a listed colour
    public void Should_cut_an_attribute_at_a_sentence_without_its_space(string text, string value, string expected) =>
        Assert.That(Apply(ExtractionRule.AttributeSentenceGlue, text, ("Color(s)", value))["Color(s)"], Is.EqualTo(expected));

    [Test]
    public void Should_keep_the_part_of_a_spec_chain_the_gazetteer_lists_for_the_attribute()
    {
        var found = ApplyIn("extractor-computers-accessories", ExtractionRule.AttributeSlashParts, "Opteron 6308 (3.5GHz/4-core/16MB/115W) kit",
            ("Cache", "GHz/4-core/16MB/115"));
        Assert.That(found["Cache"], Is.EqualTo("16MB"));
    }

    [TestCase("Black/Gray stapler", "Black/Gray", "Black/Gray")] // both parts are colours: one value
    [TestCase("Black/Gray/Legal stapler", "Black/Gray/Legal", "Black/Gray")]
    [TestCase("Color 3/4 inch", "3/4", "3/4")] // a fraction: no letter beside the '/'
    public void Should_cut_at_slashes_beside_letters_only(string text, string value, string expected) =>
        Assert.That(Apply(ExtractionRule.AttributeSlashParts, text, ("Color(s)", value))["Color(s)"], Is.EqualTo(expected));

    [Test]
    public void Should_cut_a_voltage_off_its_phase() =>
        Assert.That(ApplyIn("extractor-home-garden", ExtractionRule.AttributeSlashParts, "Ice maker, 120v/60/1-ph, cord", ("Voltage", "120v/60/1-ph"))["Voltage"],
            Is.EqualTo("120v"));

    [TestCase("Sheet size 2 3/8 x 4", "3/8", "2 3/8")]
    [TestCase("Sheet size 8 1/2\" x 11\"", "8", "8 1/2\"")]
    [TestCase("Sheet size 8 1/2x x 11", "8", "8")] // the fraction runs on into a word
    [TestCase("Sheet size 8-1/2 x 11", "1/2", "1/2")] // not a space: the snap's business
    [TestCase("Size 4x 3/8", "3/8", "3/8")] // no whole number before it
    public void Should_complete_a_mixed_number(string text, string value, string expected) =>
        Assert.That(Apply(ExtractionRule.AttributeMixedNumber, text, ("Width", value))["Width"], Is.EqualTo(expected));

    [TestCase("Table 60\"W x 30\"D", "60\"W", "60\"")]
    [TestCase("Stand 36\"w x 18\"d", "18\"d", "18\"")]
    [TestCase("Shelf 12-1/2\"H", "12-1/2\"H", "12-1/2\"")]
    [TestCase("Power 95W max", "95W", "95W")] // watts: no inch mark
    [TestCase("Panel 30\"WX", "30\"WX", "30\"WX")] // not one letter
    public void Should_drop_a_dimension_letter_after_the_inch_mark(string text, string value, string expected) =>
        Assert.That(Apply(ExtractionRule.AttributeDimensionLetter, text, ("Width", value))["Width"], Is.EqualTo(expected));

    [Test]
    public void Should_leave_brand_mpn_and_gtin_to_their_own_rules()
    {
        var attributeRules = ExtractionRule.AttributeSentenceGlue | ExtractionRule.AttributeSlashParts | ExtractionRule.AttributeMixedNumber
                             | ExtractionRule.AttributeDimensionLetter;
        var found = Apply(attributeRules, "Acme 60\"W part 2 3/8 warranty.Blue", ("BRAND", "60\"W"), ("MPN", "3/8"), ("GTIN", "warranty.Blue"));
        Assert.That(found, Is.EqualTo(new Dictionary<string, string> { ["BRAND"] = "60\"W", ["MPN"] = "3/8", ["GTIN"] = "warranty.Blue" }));
    }

    // ---------------------------------------------------------------- all of them, and none

    [Test]
    public void Should_change_nothing_with_no_rule()
    {
        var found = Apply(ExtractionRule.None, "Kingston KTC-D320/1G 4006381333931 60\"W", ("MPN", "KTC-D320/1"), ("Width", "60\"W"));
        Assert.That(found, Is.EqualTo(new Dictionary<string, string> { ["MPN"] = "KTC-D320/1", ["Width"] = "60\"W" }));
    }

    [Test]
    public void Should_run_every_rule_by_default()
    {
        var found = Apply(ExtractionRule.All, "Kingston KTC-D320/1G 4006381333931 60\"W", ("MPN", "KTC-D320/1"), ("Width", "60\"W"));
        Assert.That(found, Is.EqualTo(new Dictionary<string, string> { ["MPN"] = "KTC-D320/1G", ["GTIN"] = "4006381333931", ["Width"] = "60\"" }));
        Assert.That(Rules(ExtractionRule.All).EnabledNames, Has.Count.EqualTo(Enum.GetValues<ExtractionRule>().Length - 2), "every rule but None and All");
    }

    [Test]
    public void Should_run_the_rules_in_the_extractor()
    {
        var text = "Kingston 1GB KTC-D320/1G 4006381333931 memory";
        var extractor = new OnnxAttributeExtractor(Artifacts.Load("extractor-computers-accessories"));
        Assert.That(extractor.Rules.Enabled, Is.EqualTo(ExtractionRule.All));
        Assert.That(extractor.Extract([text])[0].Gtin, Is.EqualTo("4006381333931"));
    }

    [TestCase(null, ExtractionRule.All)]
    [TestCase("None", ExtractionRule.None)]
    [TestCase("GtinByCheckDigit, MpnCaseSplitEdges", ExtractionRule.GtinByCheckDigit | ExtractionRule.MpnCaseSplitEdges)]
    public void Should_read_the_rules_from_configuration(string? value, ExtractionRule expected)
    {
        var settings = new Dictionary<string, string?>();
        if (value is not null) settings["Models:ExtractionRules"] = value;
        var options = ModelOptions.From(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        Assert.That(options.ExtractionRules, Is.EqualTo(expected));
    }
}
