using Inference.Sagas;
using Inference.Cli;
using Microsoft.Extensions.Options;

namespace Inference.Tests.Cli;

public sealed class ProductFileTests
{
    static readonly ProductFile File = new(new ProductTextRules(Options.Create(new ProductTextOptions { MaxTextBytes = 16 })));

    [Test]
    public void Should_accept_a_record_with_text()
    {
        var line = File.Parse(3, """{"id":"a1","source":"shop","text":"usb mouse"}""");
        Assert.That(line.Error, Is.Null);
        Assert.That(line.Product, Is.EqualTo(new ProductInput("a1", "shop", "usb mouse")));
    }

    [Test]
    public void Should_name_a_product_without_id_by_its_line() =>
        Assert.That(File.Parse(7, """{"text":"usb mouse"}""").Product!.Id, Is.EqualTo("line-7"));

    [TestCase("""{"id":"a1"}""", "'text' is required")]
    [TestCase("""{"text":null}""", "'text' is required")]
    [TestCase("""{"text":"usb\u0000mouse"}""", "'text' holds a NUL")]
    [TestCase("""{"text":"usb \ud800 mouse"}""", "'text' is not valid Unicode")]
    [TestCase("""{"text":"usb mouse","source":"   "}""", "'source' is empty")]
    [TestCase("""{"text":"   "}""", "'text' is empty")]
    [TestCase("""{"text":42}""", "'text' must be a string")]
    [TestCase("""{"text":"this text is too long for sixteen"}""", "over the limit of 16")]
    [TestCase("""{"text":"ééééééééé"}""", "18 bytes")]
    [TestCase("""{"text": "unterminated""", "not valid JSON")]
    [TestCase("""[1,2]""", "expected a JSON object")]
    public void Should_reject_bad_lines_with_a_reason(string json, string reason)
    {
        var line = File.Parse(5, json);
        Assert.That(line.Product, Is.Null);
        Assert.That(line.Number, Is.EqualTo(5));
        Assert.That(line.Error, Does.Contain(reason));
    }

    [Test]
    public void Should_give_the_same_id_to_the_same_source_and_id()
    {
        var again = ProductIds.For("sho" + "p", "a1");
        Assert.That(ProductIds.For("shop", "a1"), Is.EqualTo(again));
        Assert.That(ProductIds.For("shop", "a1"), Is.Not.EqualTo(ProductIds.For("shop2", "a1")));
        Assert.That(ProductIds.For("shop", "a1").ToString()[14], Is.EqualTo('5'), "an RFC 4122 version-5 id");
    }
}
