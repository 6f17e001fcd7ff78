using Inference.Cli;
using NJsonSchema;

namespace Inference.Tests.Contracts;

/// <summary>The JSON Schemas in <c>contracts/schemas/</c> are the records' own: regenerated here, any difference fails.</summary>
public sealed class MessageSchemaTests
{
    static readonly string Folder = Path.Combine(SolutionLayout.FindRoot(TestContext.CurrentContext.TestDirectory), MessageSchemas.Folder);

    [Test]
    public void Should_keep_one_schema_per_message_as_the_records_generate_it()
    {
        var generated = MessageSchemas.Generate();
        var committed = Directory.EnumerateFiles(Folder, "*.schema.json").ToDictionary(f => Path.GetFileName(f), File.ReadAllText);

        Assert.That(committed.Keys, Is.EquivalentTo(generated.Keys), "run: dotnet run --project tools/Inference.Cli -- schemas");
        foreach (var (name, text) in generated)
            Assert.That(committed[name], Is.EqualTo(text), $"{name} differs from its record; run: dotnet run --project tools/Inference.Cli -- schemas");
    }

    [Test]
    public void Should_cover_every_event_and_command_of_the_pipeline() =>
        Assert.That(MessageSchemas.Messages.Select(t => t.Name), Is.SupersetOf(new[]
        {
            "ProductTextReceived", "ProductClassified", "AttributesExtracted", "IdentifiersValidated", "ProductStored", "ProductCompleted",
            "ProductFaulted", "ClassifyProduct", "ClassifyProductDeep", "ExtractAttributes", "ValidateIdentifiers", "StoreProduct",
        }));

    [TestCase("""{"productId":"0f8fad5b-d9cb-469f-a165-70867728950e","source":"shop","text":"usb mouse"}""", true)]
    [TestCase("""{"productId":"0f8fad5b-d9cb-469f-a165-70867728950e","source":"shop","sourceId":null,"text":"usb mouse","receivedAt":"2026-01-02T03:04:05+00:00"}""", true)]
    [TestCase("""{"source":"shop","text":"usb mouse"}""", false)]
    [TestCase("""{"productId":"0f8fad5b-d9cb-469f-a165-70867728950e","text":"usb mouse"}""", false)]
    [TestCase("""{"productId":"0f8fad5b-d9cb-469f-a165-70867728950e","source":"shop","text":42}""", false)]
    public async Task Should_tell_a_producer_which_product_text_is_well_formed(string message, bool valid)
    {
        var schema = await JsonSchema.FromFileAsync(Path.Combine(Folder, "ProductTextReceived.schema.json"));
        var errors = schema.Validate(message);
        Assert.That(errors, valid ? Is.Empty : Is.Not.Empty, string.Join("; ", errors));
    }
}
