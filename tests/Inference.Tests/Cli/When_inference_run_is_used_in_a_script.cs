using System.Diagnostics;
using System.Text.Json;
using Inference.Cli;
using Spectre.Console.Testing;

namespace Inference.Tests.Cli;

/// <summary>
/// <c>inference run</c> in a script: the summary alone on stdout (as JSON with <c>--json</c>), rejected lines and errors on
/// stderr, an exit code per outcome, rejections past the first 20 counted, the model kind chosen by an option, and an output
/// or database that cannot be written refused before the run.
/// </summary>
public sealed class When_inference_run_is_used_in_a_script
{
    const int Good = 10;
    const int Bad = 25;
    string _directory = null!;
    TestConsole _stdout = null!;
    TestConsole _stderr = null!;
    int _exitCode;
    JsonElement _summary;
    JsonElement[] _records = [];

    [OneTimeSetUp]
    public async Task RunAsync()
    {
        _directory = Directory.CreateTempSubdirectory("inference-script-").FullName;
        var input = Path.Combine(_directory, "input.jsonl");
        var lines = File.ReadLines(Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "products.jsonl")).Take(Good)
            .Concat(Enumerable.Range(0, Bad).Select(i => $"{{ not json {i}"));
        await File.WriteAllLinesAsync(input, lines);

        (_stdout, _stderr) = (new TestConsole(), new TestConsole());
        var output = Path.Combine(_directory, "out", "enriched.jsonl");
        var settings = new RunSettings(input, output, Path.Combine(_directory, "db", "run.db"), RunSettings.DefaultMaxTextBytes, TimeSpan.FromSeconds(30),
            Models: "Baseline", Json: true);
        _exitCode = await new RunCommand(settings, _stdout, _stderr).ExecuteAsync(CancellationToken.None);
        _summary = JsonDocument.Parse(_stdout.Output).RootElement;
        _records = File.ReadLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
    }

    [OneTimeTearDown]
    public void Clean()
    {
        _stdout.Dispose();
        _stderr.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Test]
    public void Should_print_only_the_summary_as_json_on_stdout()
    {
        Assert.That(_summary.GetProperty("products").GetInt32(), Is.EqualTo(Good));
        Assert.That(_summary.GetProperty("byState").GetProperty("Completed").GetInt32(), Is.EqualTo(Good));
        Assert.That(_summary.GetProperty("rejected").GetInt32(), Is.EqualTo(Bad));
        Assert.That(_summary.GetProperty("exitCode").GetInt32(), Is.EqualTo(_exitCode));
    }

    [Test]
    public void Should_send_rejected_lines_to_stderr_and_count_those_past_the_first_twenty()
    {
        Assert.That(_stderr.Output, Does.Contain($"line {Good + 1}:").And.Contain("not valid JSON"));
        Assert.That(_stderr.Output, Does.Contain($"line {Good + RunSummary.RejectionsShown}:"));
        Assert.That(_stderr.Output, Does.Not.Contain($"line {Good + RunSummary.RejectionsShown + 1}:"));
        Assert.That(_stderr.Output, Does.Contain($"and {Bad - RunSummary.RejectionsShown} more rejected line(s)"));
        Assert.That(_summary.GetProperty("rejections").GetArrayLength(), Is.EqualTo(RunSummary.RejectionsShown));
        Assert.That(_summary.GetProperty("moreRejections").GetInt32(), Is.EqualTo(Bad - RunSummary.RejectionsShown));
        Assert.That(_stdout.Output, Does.Not.Contain("line "));
    }

    [Test]
    public void Should_exit_with_the_code_for_rejected_lines() => Assert.That(_exitCode, Is.EqualTo(RunExitCodes.LinesRejected));

    [Test]
    public void Should_run_the_model_kind_the_option_names() =>
        Assert.That(_records.Select(r => r.GetProperty("models").GetProperty("classify").GetString()), Has.All.StartWith("baseline-"));

    [TestCase("--db")]
    [TestCase("--out")]
    public async Task Should_refuse_a_path_that_cannot_be_written_before_the_run(string option)
    {
        var input = Path.Combine(_directory, "input.jsonl");
        var notAFolder = Path.Combine(_directory, "a-file");
        await File.WriteAllTextAsync(notAFolder, "");
        var unwritable = Path.Combine(notAFolder, "x");
        var settings = new RunSettings(input, option == "--out" ? unwritable : Path.Combine(_directory, "o.jsonl"),
            option == "--db" ? unwritable : Path.Combine(_directory, "o.db"), RunSettings.DefaultMaxTextBytes, TimeSpan.FromSeconds(30), Models: "Baseline");
        using var stdout = new TestConsole();
        using var stderr = new TestConsole();
        var watch = Stopwatch.StartNew();
        var code = await new RunCommand(settings, stdout, stderr).ExecuteAsync(CancellationToken.None);

        Assert.That(code, Is.EqualTo(RunExitCodes.Unusable));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "refused at once, not after waiting or running");
        Assert.That(stderr.Output, Does.Contain($"{option} '{unwritable}' cannot be written"));
        Assert.That(stdout.Output, Is.Empty);
    }

    [Test]
    public void Should_exit_with_the_code_for_faulted_products_whatever_else()
    {
        var summary = new RunSummary();
        summary.Reject(3, "not valid JSON");
        summary.Count(EnrichedRecord.Missing(1, "a", Guid.NewGuid(), "Completed"));
        Assert.That(summary.ExitCode, Is.EqualTo(RunExitCodes.LinesRejected));
        summary.Count(EnrichedRecord.Missing(2, "b", Guid.NewGuid(), "Faulted"));
        Assert.That(summary.ExitCode, Is.EqualTo(RunExitCodes.ProductsFaulted));
        Assert.That(new[] { RunExitCodes.Completed, RunExitCodes.Unusable, RunExitCodes.LinesRejected, RunExitCodes.ProductsFaulted }, Is.Unique);
    }
}
