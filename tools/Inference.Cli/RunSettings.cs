namespace Inference.Cli;

/// <summary>What <c>inference run</c> was asked to do.</summary>
public sealed record RunSettings(
    string Input,
    string Output,
    string Database,
    int MaxTextBytes,
    TimeSpan IdleTimeout)
{
    public const int DefaultMaxTextBytes = 64 * 1024;

    public IDictionary<string, string?> ConfigurationOverrides() => new Dictionary<string, string?>
    {
        ["Store:ConnectionString"] = $"Data Source={Database}",
    };
}
