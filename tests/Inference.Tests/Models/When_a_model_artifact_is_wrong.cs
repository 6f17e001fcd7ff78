using System.Text.Json.Nodes;
using Inference.Classifier;
using Inference.Models;
using Inference.Models.Onnx;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Tests.Models;

/// <summary>A model folder that does not match its manifest is refused when it is loaded, with the model and the file named.</summary>
public sealed class When_a_model_artifact_is_wrong
{
    readonly List<string> _folders = [];

    [TearDown]
    public void Clean()
    {
        foreach (var folder in _folders) Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        _folders.Clear();
    }

    string Copy(string name)
    {
        var folder = Artifacts.CopyToTemp(name);
        _folders.Add(folder);
        return folder;
    }

    static ModelLoadException Refused(string folder)
    {
        using var registry = new OnnxModelRegistry();
        return Assert.Throws<ModelLoadException>(() => registry.Load(folder))!;
    }

    [TestCase("classifier", "model.onnx")]
    [TestCase("extractor-office-products", "brands.txt")]
    [TestCase("extractor-office-products", "attribute_values.tsv")]
    [TestCase("mpn-plausibility", "unicode_tables.json")]
    [TestCase("extractor-generic", "manifest.json")]
    [TestCase("classifier-deep", "vocab.txt")]
    public void Should_refuse_a_missing_file(string name, string file)
    {
        var folder = Copy(name);
        File.Delete(Path.Combine(folder, file));
        var error = Refused(folder);
        Assert.That(error.ModelName, Is.EqualTo(name));
        Assert.That(error.File, Is.EqualTo(Path.Combine(folder, file)));
        Assert.That(error.Message, Does.Contain("missing").And.Contain(name).And.Contain(file));
    }

    [TestCase("classifier", "model.onnx")]
    [TestCase("extractor-generic", "model.onnx")]
    [TestCase("extractor-jewelry-watches", "brands.txt")]
    [TestCase("extractor-home-garden", "attribute_values.tsv")]
    [TestCase("mpn-plausibility", "unicode_tables.json")]
    [TestCase("classifier-deep", "model.onnx")]
    [TestCase("classifier-deep", "category_descriptions.json")]
    public void Should_refuse_a_file_with_one_byte_changed(string name, string file)
    {
        var folder = Copy(name);
        var path = Path.Combine(folder, file);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        var error = Refused(folder);
        Assert.That(error.File, Is.EqualTo(path));
        Assert.That(error.Message, Does.Contain("sha256").And.Contain(name));
    }

    [TestCase("classifier", "name", "identifiers", "inputs")]
    [TestCase("classifier", "type", "int32", "is Int64 in the graph")]
    [TestCase("extractor-generic", "type", "float32", "is Int64 in the graph")]
    [TestCase("mpn-plausibility", "name", "tokens", "inputs")]
    public void Should_refuse_an_input_spec_the_graph_does_not_have(string name, string field, string value, string says)
    {
        var folder = Copy(name);
        EditManifest(folder, m => m["inputs"]![0]![field] = value);
        var error = Refused(folder);
        Assert.That(error.File, Is.EqualTo(Path.Combine(folder, "model.onnx")));
        Assert.That(error.Message, Does.Contain(says));
    }

    [Test]
    public void Should_refuse_an_input_of_another_rank()
    {
        var folder = Copy("extractor-generic");
        EditManifest(folder, m => m["inputs"]![0]!["shape"] = new JsonArray("batch", "tokens"));
        Assert.That(Refused(folder).Message, Does.Contain("rank 3 in the graph, 2 in the manifest"));
    }

    [Test]
    public void Should_refuse_an_output_of_another_width()
    {
        var folder = Copy("extractor-office-products");
        EditManifest(folder, m => m["outputs"]![1]!["shape"]![2] = 5);
        Assert.That(Refused(folder).Message, Does.Contain("attr_probs").And.Contain("axis 2"));
    }

    [Test]
    public void Should_refuse_a_featurizer_it_does_not_implement()
    {
        var folder = Copy("extractor-generic");
        EditManifest(folder, m => m["featurizer"]!["slots"]!.AsArray().Add("zz"));
        using var registry = new OnnxModelRegistry();
        var error = Assert.Throws<ModelLoadException>(() => _ = new OnnxAttributeExtractor(registry.Load(folder)))!;
        Assert.That(error.Message, Does.Contain("zz").And.Contain("manifest.json"));
    }

    [Test]
    public void Should_stop_the_classifier_service_at_start_up()
    {
        var folder = Copy("classifier");
        File.Delete(Path.Combine(folder, "model.onnx"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Models:Kind"] = "Onnx",
            ["Models:Directory"] = Path.GetDirectoryName(folder),
        }).Build();
        var error = Assert.Throws<ModelLoadException>(() => new ServiceCollection().AddClassifierModel(configuration))!;
        Assert.That(error.Message, Does.Contain("classifier").And.Contain("model.onnx"));
    }

    [Test]
    public void Should_name_an_extractor_no_model_serves()
    {
        var error = Assert.Throws<ModelLoadException>(() => OnnxModels.Extractors(Artifacts.Options, ["generic", "toys"], Artifacts.Registry))!;
        Assert.That(error.Message, Does.Contain("'toys'").And.Contain("generic"));
    }

    static void EditManifest(string folder, Action<JsonObject> edit)
    {
        var path = Path.Combine(folder, "manifest.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }
}
