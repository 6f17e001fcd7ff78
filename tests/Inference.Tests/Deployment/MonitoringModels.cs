using k8s.Models;

namespace Inference.Tests.Deployment;

// The Prometheus Operator's kinds the chart may render (monitoring.coreos.com/v1), with the fields of its CRDs the chart sets,
// so loading the rendered chart strictly refuses a misspelt or misplaced field as it does for KEDA's and Kubernetes' kinds.

/// <summary>A PodMonitor: which pods Prometheus scrapes, on which port and path.</summary>
public sealed class PodMonitor
{
    public const string ApiGroupVersion = "monitoring.coreos.com/v1";

    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public V1ObjectMeta Metadata { get; set; } = new();
    public PodMonitorSpec Spec { get; set; } = new();
}

public sealed class PodMonitorSpec
{
    public V1LabelSelector Selector { get; set; } = new();
    public Dictionary<string, object>? NamespaceSelector { get; set; }
    public List<PodMetricsEndpoint> PodMetricsEndpoints { get; set; } = [];
}

public sealed class PodMetricsEndpoint
{
    public string? Port { get; set; }
    public string? Path { get; set; }
    public string? Interval { get; set; }
    public string? ScrapeTimeout { get; set; }
}

/// <summary>A PrometheusRule: recording and alerting rules, in the groups of a Prometheus rules file.</summary>
public sealed class PrometheusRule
{
    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public V1ObjectMeta Metadata { get; set; } = new();
    public PrometheusRuleSpec Spec { get; set; } = new();
}

public sealed class PrometheusRuleSpec
{
    public List<RuleGroup> Groups { get; set; } = [];
}

public sealed class RuleGroup
{
    public string Name { get; set; } = "";
    public string? Interval { get; set; }
    public List<Rule> Rules { get; set; } = [];
}

public sealed class Rule
{
    public string? Record { get; set; }
    public string? Alert { get; set; }
    public string Expr { get; set; } = "";
    public string? For { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
}

public static class MonitoringModels
{
    public static readonly IDictionary<string, Type> TypeMap = new Dictionary<string, Type>
    {
        [$"{PodMonitor.ApiGroupVersion}/PodMonitor"] = typeof(PodMonitor),
        [$"{PodMonitor.ApiGroupVersion}/PrometheusRule"] = typeof(PrometheusRule),
    };
}
