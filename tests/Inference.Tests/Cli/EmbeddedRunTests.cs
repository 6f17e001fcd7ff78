using System.Text.Json;
using Inference.Cli;
using Spectre.Console.Testing;

namespace Inference.Tests.Cli;

/// <summary>The README's first command, on the shipped sample plus bad lines: every service in one process, for real.</summary>
public sealed class EmbeddedRunTests
{
    string _directory = null!;
    string _output = null!;
    TestConsole _console = null!;
    int _exitCode;
    JsonElement[] _records = [];

    [OneTimeSetUp]
    public async Task RunTheSampleAsync()
    {
        _directory = Directory.CreateTempSubdirectory("inference-run-").FullName;
        var input = Path.Combine(_directory, "input.jsonl");
        var sample = File.ReadLines(Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "products.jsonl")).Take(120).ToList();
        sample.Insert(10, "{ not json");
        sample.Insert(20, """{"id":"no-text","source":"test"}""");
        sample.Insert(30, JsonSerializer.Serialize(new { id = "huge", source = "test", text = new string('x', 70_000) }));
        sample.Add(sample[0]);
        await File.WriteAllLinesAsync(input, sample);

        _output = Path.Combine(_directory, "enriched.jsonl");
        _console = new TestConsole();
        var settings = new RunSettings(input, _output, Path.Combine(_directory, "run.db"), RunSettings.DefaultMaxTextBytes, TimeSpan.FromSeconds(30));
        _exitCode = await new RunCommand(settings, _console).ExecuteAsync(CancellationToken.None);
        _records = File.ReadLines(_output).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
    }

    [OneTimeTearDown]
    public void Clean()
    {
        _console.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Test]
    public void Should_exit_with_the_code_for_rejected_lines() => Assert.That(_exitCode, Is.EqualTo(RunExitCodes.LinesRejected));

    [Test]
    public void Should_complete_every_valid_record()
    {
        Assert.That(_records, Has.Length.EqualTo(120));
        Assert.That(_records.Select(r => r.GetProperty("state").GetString()), Has.All.EqualTo("Completed"));
    }

    [Test]
    public void Should_report_bad_lines_with_their_numbers()
    {
        Assert.That(_console.Output, Does.Contain("line 11:").And.Contain("not valid JSON"));
        Assert.That(_console.Output, Does.Contain("line 21:").And.Contain("'text' is required"));
        Assert.That(_console.Output, Does.Contain("line 31:").And.Contain("over the limit"));
        Assert.That(_console.Output, Does.Contain("line 124:").And.Contain("duplicate of line 1"));
        Assert.That(_console.Output, Does.Match(@"rejected \(skipped lines\)\s*│\s*4"));
    }

    [Test]
    public void Should_write_records_in_input_order_with_their_enrichment()
    {
        var lines = _records.Select(r => r.GetProperty("line").GetInt32()).ToArray();
        Assert.That(lines, Is.Ordered.Ascending);
        var first = _records[0];
        Assert.That(first.GetProperty("id").GetString(), Is.EqualTo("walmart-amazon:amazon:0"));
        Assert.That(first.GetProperty("brand").GetString(), Is.EqualTo("koss"));
        Assert.That(first.GetProperty("models").GetProperty("classify").GetString(), Does.Contain("@"));
        Assert.That(first.GetProperty("revision").GetInt64(), Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public void Should_validate_only_products_with_identifiers()
    {
        foreach (var record in _records)
        {
            var hasIdentifier = record.TryGetProperty("mpn", out _) || record.TryGetProperty("gtin", out _);
            Assert.That(record.GetProperty("verdicts").GetArrayLength() > 0, Is.EqualTo(hasIdentifier), record.GetProperty("id").GetString());
        }
    }

    [Test]
    public void Should_print_the_summary()
    {
        Assert.That(_console.Output, Does.Contain("products by final state"));
        Assert.That(_console.Output, Does.Contain("products by category"));
        Assert.That(_console.Output, Does.Match(@"120 products in [\d.]+ s: [\d,]+ products/s"));
    }
}
