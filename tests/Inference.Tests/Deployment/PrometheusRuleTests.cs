using System.Diagnostics;
using System.Text.Json.Nodes;
using Inference.Loopback;

namespace Inference.Tests.Deployment;

/// <summary>
/// The pipeline's recording rules and alerts (k8s/inference/files/alerts.yaml) checked and unit-tested by Prometheus' own
/// promtool (Debian's prometheus package, installed by scripts/infra/install.sh): every alert has a test that makes it fire
/// and one moment where it must not (k8s/prometheus/alerts-tests.yaml).
/// </summary>
[Category("Deployment")]
public sealed class PrometheusRuleTests
{
    static readonly string Root = SolutionLayout.FindRoot(TestContext.CurrentContext.TestDirectory);
    static readonly string Rules = Path.Combine(Root, "k8s", "inference", "files", "alerts.yaml");
    static readonly string RuleTests = Path.Combine(Root, "k8s", "prometheus", "alerts-tests.yaml");

    /// <summary>The alerts the chart ships: written out here, so a new one without a test, or a lost one, fails.</summary>
    public static readonly string[] Alerts =
    [
        "InferenceQueueGrowing", "InferenceErrorQueueNotEmpty", "InferenceQueueWithoutConsumer",
        "InferenceProductsStranded", "InferenceFaultRateHigh", "InferenceStageSlow",
    ];

    [Test]
    public void Should_be_valid_rules()
    {
        var (code, output) = Promtool("check", "rules", Rules);
        Assert.That(code, Is.Zero, output);
        Assert.That(output, Does.Contain("SUCCESS"));
    }

    [Test]
    public void Should_pass_every_alert_s_unit_test()
    {
        var (code, output) = Promtool("test", "rules", RuleTests);
        Assert.That(code, Is.Zero, output);
        Assert.That(output, Does.Contain("SUCCESS"));
    }

    [Test]
    public void Should_test_every_alert_firing()
    {
        var tests = File.ReadAllText(RuleTests);
        var rules = File.ReadAllText(Rules);
        foreach (var alert in Alerts)
        {
            Assert.That(rules, Does.Contain($"- alert: {alert}\n"), alert);
            // A test case names the alert and expects it with labels, and another expects nothing.
            var cases = tests.Split("alertname: ").Skip(1).Where(c => c.StartsWith(alert + "\n", StringComparison.Ordinal)).ToArray();
            Assert.That(cases.Any(c => c.Contains("exp_labels:")), Is.True, $"{alert} is never expected to fire");
            Assert.That(cases.Any(c => c.Contains("exp_alerts: []")), Is.True, $"{alert} is never expected to stay quiet");
        }
    }

    static (int Code, string Output) Promtool(params string[] arguments)
    {
        var start = new ProcessStartInfo("promtool") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Fail("promtool is not installed: run scripts/infra/install.sh (Debian's prometheus package)");
            throw;
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            return (process.ExitCode, output.Result + errors.Result);
        }
    }
}

/// <summary>What a Grafana dashboard asks Prometheus: every panel's query.</summary>
public static class GrafanaDashboard
{
    public static IReadOnlyList<(string Panel, string Expr)> Queries(JsonNode dashboard) =>
        dashboard["panels"]!.AsArray()
            .SelectMany(panel => panel!["targets"]!.AsArray().Select(t => (panel["title"]!.GetValue<string>(), t!["expr"]!.GetValue<string>())))
            .ToArray();
}
