using System.Globalization;
using System.Text.RegularExpressions;

namespace Inference.Tests.Integration;

/// <summary>One sample of a Prometheus text exposition: <c>name{label="value",…} number</c>.</summary>
public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string this[string label] => Labels.TryGetValue(label, out var value) ? value : "";
}

/// <summary>A service's <c>/metrics</c> as read by Prometheus, parsed into samples.</summary>
public sealed partial class PrometheusText(IReadOnlyList<Sample> samples)
{
    public IReadOnlyList<Sample> Samples => samples;

    public static async Task<PrometheusText> ScrapeAsync(Uri service)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return Parse(await http.GetStringAsync(new Uri(service, "/metrics")));
    }

    public static PrometheusText Parse(string text) => new(text.Split('\n')
        .Where(line => line.Length > 0 && line[0] != '#')
        .Select(line => SampleLine().Match(line))
        .Where(match => match.Success)
        .Select(match => new Sample(
            match.Groups["name"].Value,
            LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(l => l.Groups[1].Value, l => l.Groups[2].Value),
            double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)))
        .ToArray());

    /// <summary>The samples of one series name whose labels include every pair given.</summary>
    public IReadOnlyList<Sample> Where(string name, params (string Label, string Value)[] labels) =>
        samples.Where(s => s.Name == name && labels.All(l => s[l.Label] == l.Value)).ToArray();

    public double Sum(string name, params (string Label, string Value)[] labels) => Where(name, labels).Sum(s => s.Value);

    public bool Has(string name) => samples.Any(s => s.Name == name);

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?""")]
    private static partial Regex LabelPair();
}
