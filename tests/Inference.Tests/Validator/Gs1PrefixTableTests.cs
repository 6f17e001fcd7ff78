using Inference.Validator;

namespace Inference.Tests.Validator;

public sealed class Gs1PrefixTableTests
{
    [Test]
    public void Should_load_every_row_of_the_shipped_table() =>
        Assert.That(Gs1PrefixTable.Load().Count, Is.EqualTo(833));

    [Test]
    public void Should_take_the_longest_matching_prefix()
    {
        var table = Gs1PrefixTable.Parse(new StringReader("prefix,usage\n96,short\n9627,long\n"));
        Assert.That(table.Lookup("9627123456789"), Is.EqualTo(("9627", "long")));
        Assert.That(table.Lookup("9600000000000"), Is.EqualTo(("96", "short")));
        Assert.That(table.Lookup("1234567890123"), Is.Null);
    }

    [TestCase("prefix;usage\n")]
    [TestCase("prefix,usage\nabc,letters\n")]
    public void Should_refuse_a_malformed_table(string csv) =>
        Assert.Throws<FormatException>(() => Gs1PrefixTable.Parse(new StringReader(csv)));
}
