using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Inference.Loopback;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Configuration;

namespace Inference.Tests.Deployment;

/// <summary>Runs k8s/render.sh, the stand-in for <c>helm template</c> (Go's text/template with sprig, as Helm renders).</summary>
public static class ChartRenderer
{
    static readonly string Root = SolutionLayout.FindRoot(AppContext.BaseDirectory);

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>Renders the chart with these values files laid over its own, passing <paramref name="flags"/> to the renderer.</summary>
    public static Result Run(IEnumerable<string> valuesFiles, params string[] flags)
    {
        if (!GoInstalled())
            Assert.Ignore("Go is not installed, so the Helm chart cannot be rendered here: run scripts/infra/install.sh (scripts/test.sh does).");

        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Root,
        };
        start.ArgumentList.Add(Path.Combine(Root, "k8s", "render.sh"));
        foreach (var file in valuesFiles) start.ArgumentList.Add(file);
        if (flags.Length > 0)
        {
            start.ArgumentList.Add("--");
            foreach (var flag in flags) start.ArgumentList.Add(flag);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // The first run builds the renderer (≈ 10-30 s); later ones take milliseconds.
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("k8s/render.sh ran over 5 minutes");
        }

        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    static bool GoInstalled() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Any(dir => File.Exists(Path.Combine(dir, "go")));
}

/// <summary>The chart's manifests loaded into typed models (strictly: an unknown field fails), and the values they came from.</summary>
public sealed partial class RenderedChart
{
    public RenderedChart(string yaml, JsonObject values)
    {
        Yaml = yaml;
        Values = values;
        Objects = KubernetesYaml.LoadAllFromString(yaml, KedaModels.TypeMap.Concat(MonitoringModels.TypeMap).ToDictionary(), strict: true);
    }

    public string Yaml { get; }

    /// <summary>The values after the values files were laid over the chart's, as the templates saw them.</summary>
    public JsonObject Values { get; }

    public IReadOnlyList<object> Objects { get; }

    public IEnumerable<T> Of<T>() => Objects.OfType<T>();

    public IEnumerable<V1Deployment> Deployments => Of<V1Deployment>();

    public IEnumerable<KedaScaledObject> ScaledObjects => Of<KedaScaledObject>();

    public V1Deployment Deployment(string service) => Deployments.Single(d => ServiceOf(d) == service);

    public V1ConfigMap ConfigMap(string name) => Of<V1ConfigMap>().Single(c => c.Metadata.Name == name);

    public static V1ObjectMeta Metadata(object o) => o switch
    {
        IMetadata<V1ObjectMeta> typed => typed.Metadata,
        KedaScaledObject scaled => scaled.Metadata,
        KedaTriggerAuthentication auth => auth.Metadata,
        PodMonitor monitor => monitor.Metadata,
        PrometheusRule rule => rule.Metadata,
        _ => throw new InvalidOperationException($"no metadata on {o.GetType().Name}"),
    };

    public static V1Container Container(V1Deployment deployment) => deployment.Spec.Template.Spec.Containers.Single();

    /// <summary>The service a Deployment runs, from its image <c>…/inference-&lt;service&gt;:tag</c>.</summary>
    public static string ServiceOf(V1Deployment deployment) =>
        ImageService().Match(Container(deployment).Image) is { Success: true } m
            ? m.Groups[1].Value
            : throw new AssertionException($"{deployment.Metadata.Name}: image {Container(deployment).Image} is not <registry>/inference-<service>:<tag>[@<digest>]");

    /// <summary>
    /// The settings a Deployment's process sees: its ConfigMaps, then its env in order (a Secret as <c>secret:name/key</c>,
    /// $(NAME) expanded as Kubernetes does), as the .NET configuration that environment variables make.
    /// </summary>
    public IConfiguration Configuration(V1Deployment deployment)
    {
        var container = Container(deployment);
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        foreach (var (key, value) in ConfigMap(source.ConfigMapRef.Name).Data)
            settings[key] = value;
        foreach (var variable in container.Env ?? [])
        {
            settings[variable.Name] = variable.ValueFrom?.SecretKeyRef is { } secret
                ? $"secret:{secret.Name}/{secret.Key}"
                : Reference().Replace(variable.Value ?? "", m => settings.TryGetValue(m.Groups[1].Value, out var v) ? v ?? "" : m.Value);
        }

        return new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key.Replace("__", ":", StringComparison.Ordinal), s.Value)))
            .Build();
    }

    /// <summary>The variables a value refers to as $(NAME).</summary>
    public static IEnumerable<string> References(string? value) =>
        Reference().Matches(value ?? "").Select(m => m.Groups[1].Value);

    public static bool Selects(IDictionary<string, string>? selector, IDictionary<string, string> labels) =>
        selector is { Count: > 0 } && selector.All(s => labels.TryGetValue(s.Key, out var v) && v == s.Value);

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();

    [GeneratedRegex(@"/inference-([a-z]+):[^/@]+(@sha256:[0-9a-f]{64})?$")]
    private static partial Regex ImageService();
}
