using k8s.Models;

namespace Inference.Tests.Deployment;

// KubernetesClient has typed models of Kubernetes' own kinds only. These are KEDA's (keda.sh/v1alpha1), with the fields
// of its CRDs that a chart may set, so loading the rendered chart strictly refuses a misspelt or misplaced KEDA field
// as it does for a Deployment's.

/// <summary>KEDA's ScaledObject: scales a Deployment on its triggers.</summary>
public sealed class KedaScaledObject
{
    public const string ApiGroupVersion = "keda.sh/v1alpha1";

    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public V1ObjectMeta Metadata { get; set; } = new();
    public ScaledObjectSpec Spec { get; set; } = new();
}

public sealed class ScaledObjectSpec
{
    public ScaleTargetRef ScaleTargetRef { get; set; } = new();
    public int? PollingInterval { get; set; }
    public int? CooldownPeriod { get; set; }
    public int? InitialCooldownPeriod { get; set; }
    public int? IdleReplicaCount { get; set; }
    public int? MinReplicaCount { get; set; }
    public int? MaxReplicaCount { get; set; }
    public Dictionary<string, object>? Fallback { get; set; }
    public Dictionary<string, object>? Advanced { get; set; }
    public List<ScaleTrigger> Triggers { get; set; } = [];
}

public sealed class ScaleTargetRef
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public string Name { get; set; } = "";
    public string? EnvSourceContainerName { get; set; }
}

public sealed class ScaleTrigger
{
    public string Type { get; set; } = "";
    public string? Name { get; set; }
    public bool? UseCachedMetrics { get; set; }
    public string? MetricType { get; set; }
    public Dictionary<string, string> Metadata { get; set; } = [];
    public AuthenticationRef? AuthenticationRef { get; set; }
}

public sealed class AuthenticationRef
{
    public string Name { get; set; } = "";
    public string? Kind { get; set; }
}

/// <summary>KEDA's TriggerAuthentication: where a scaler finds its credentials.</summary>
public sealed class KedaTriggerAuthentication
{
    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public V1ObjectMeta Metadata { get; set; } = new();
    public TriggerAuthenticationSpec Spec { get; set; } = new();
}

public sealed class TriggerAuthenticationSpec
{
    public List<SecretTargetRef>? SecretTargetRef { get; set; }
    public List<Dictionary<string, string>>? Env { get; set; }
    public Dictionary<string, object>? PodIdentity { get; set; }
}

public sealed class SecretTargetRef
{
    public string Parameter { get; set; } = "";
    public string Name { get; set; } = "";
    public string Key { get; set; } = "";
}

public static class KedaModels
{
    /// <summary>For <c>KubernetesYaml.LoadAllFromString</c>: apiVersion/kind → type.</summary>
    public static readonly IDictionary<string, Type> TypeMap = new Dictionary<string, Type>
    {
        [$"{KedaScaledObject.ApiGroupVersion}/ScaledObject"] = typeof(KedaScaledObject),
        [$"{KedaScaledObject.ApiGroupVersion}/TriggerAuthentication"] = typeof(KedaTriggerAuthentication),
    };

    /// <summary>The metadata parameters of KEDA's rabbitmq scaler (2.16); anything else is a typo KEDA would refuse.</summary>
    public static readonly IReadOnlySet<string> RabbitMqParameters = new HashSet<string>(StringComparer.Ordinal)
    {
        "host", "hostFromEnv", "usernameFromEnv", "passwordFromEnv", "protocol", "mode", "value", "activationValue",
        "queueName", "vhostName", "useRegex", "pageSize", "operation", "timeout", "excludeUnacknowledged", "unsafeSsl",
    };
}
