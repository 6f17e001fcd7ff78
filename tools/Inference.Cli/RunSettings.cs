using Inference.Sagas;
using Microsoft.Extensions.Options;

namespace Inference.Cli;

/// <summary>What <c>inference run</c> was asked to do.</summary>
public sealed record RunSettings(
    string Input,
    string Output,
    string Database,
    int MaxTextBytes,
    TimeSpan IdleTimeout)
{
    public static readonly int DefaultMaxTextBytes = new ProductTextOptions().MaxTextBytes;

    /// <summary>The file's reader and the saga's door keep the same limit.</summary>
    public ProductTextRules Rules => new(Options.Create(new ProductTextOptions { MaxTextBytes = MaxTextBytes }));

    public IDictionary<string, string?> ConfigurationOverrides() => new Dictionary<string, string?>
    {
        ["Store:ConnectionString"] = $"Data Source={Database}",
        [$"{ProductTextOptions.Section}:{nameof(ProductTextOptions.MaxTextBytes)}"] = MaxTextBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
