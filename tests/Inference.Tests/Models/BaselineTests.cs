using Inference.Models.Baseline;

namespace Inference.Tests.Models;

public sealed class BaselineTests
{
    static readonly KeywordCategoryClassifier Classifier = new();
    static readonly IReadOnlyDictionary<string, Inference.Models.IAttributeExtractor> Extractors =
        RegexAttributeExtractor.ForExtractors(["generic", "computers-accessories", "office-products", "jewelry-watches"]);

    [TestCase("koss eq50 3-band stereo equalizer headphones", "audio")]
    [TestCase("kodak black ink cartridge 10b 1163641", "office-products")]
    [TestCase("14k yellow gold diamond pendant necklace", "jewelry-watches")]
    [TestCase("garmin nuvi 255w 4.3-inch portable gps navigator", "car-gps")]
    public void Should_classify_by_keywords(string text, string category)
    {
        var prediction = Classifier.Classify([text])[0];
        Assert.That(prediction.Category, Is.EqualTo(category));
        Assert.That(prediction.Confidence, Is.InRange(0.0, 1.0));
        Assert.That(prediction.TopK[0].Category, Is.EqualTo(category));
        Assert.That(Classifier.Model.Name, Does.StartWith("baseline"));
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase("Стиральная машина")]
    [TestCase("🙂🙂🙂")]
    public void Should_answer_none_for_text_without_keywords(string text)
    {
        var prediction = Classifier.Classify([text])[0];
        Assert.That(prediction.Category, Is.Null);
        Assert.That(prediction.Confidence, Is.Zero);
    }

    [Test]
    public void Should_extract_brand_mpn_and_gtin()
    {
        var found = Extractors["office-products"].Extract(
            ["Xerox TONER CARTRIDGE FOR WORKCENTRE - XER106R01409\nCOLOR: Black 25K page yield UPC: 095205742466"])[0];
        Assert.That(found.Brand, Is.EqualTo("Xerox"));
        Assert.That(found.Mpn, Is.EqualTo("XER106R01409"));
        Assert.That(found.Gtin, Is.EqualTo("095205742466"));
        Assert.That(found.Attributes["Color(s)"], Is.EqualTo("Black"));
    }

    [Test]
    public void Should_extract_category_attributes_only_for_its_category()
    {
        const string text = "seagate barracuda 500gb 7200 rpm sata 3.0gb/s hard drive st3500418as";
        var computers = Extractors["computers-accessories"].Extract([text])[0];
        Assert.That(computers.Attributes["Capacity"], Is.EqualTo("500gb"));
        Assert.That(computers.Attributes["Rotational Speed"], Is.EqualTo("7200 rpm"));
        Assert.That(computers.Mpn, Is.EqualTo("st3500418as"));
        Assert.That(Extractors["generic"].Extract([text])[0].Attributes.ContainsKey("Capacity"), Is.False);
    }

    [Test]
    public void Should_skip_numbers_whose_check_digit_fails() =>
        Assert.That(Extractors["generic"].Extract(["widget 095205742467"])[0].Gtin, Is.Null);

    [TestCase("")]
    [TestCase("Стиральная машина Bosch WAN2426")]
    public void Should_give_a_defined_answer_for_odd_text(string text)
    {
        var found = Extractors["generic"].Extract([text])[0];
        Assert.That(found, Is.Not.Null);
        Assert.That(found.Attributes, Is.Not.Null);
    }

    [Test]
    public void Should_survive_very_long_text()
    {
        var text = string.Concat(Enumerable.Repeat("aaaa1 ", 20_000));
        Assert.That(() => Extractors["computers-accessories"].Extract([text]), Throws.Nothing);
    }
}
