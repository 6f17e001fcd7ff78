using Inference.Sagas;
using Microsoft.Extensions.Options;

namespace Inference.Cli;

/// <summary>What <c>inference run</c> was asked to do.</summary>
/// <param name="Models">The models to run (<c>Models:Kind</c>: Onnx, Baseline or Null); null keeps what the configuration says.</param>
/// <param name="Json">Print the summary as JSON on stdout instead of tables.</param>
public sealed record RunSettings(
    string Input,
    string Output,
    string Database,
    int MaxTextBytes,
    TimeSpan IdleTimeout,
    string? Models = null,
    bool Json = false)
{
    public static readonly int DefaultMaxTextBytes = new ProductTextOptions().MaxTextBytes;

    /// <summary>The file's reader and the saga's door keep the same limit.</summary>
    public ProductTextRules Rules => new(Options.Create(new ProductTextOptions { MaxTextBytes = MaxTextBytes }));

    /// <summary>The model kinds <c>--models</c> accepts (those of <c>Models:Kind</c>).</summary>
    public static readonly string[] ModelKinds = ["Onnx", "Baseline", "Null"];

    /// <summary>What the command line sets, over <c>embedded.json</c> and <c>INFERENCE_</c> environment variables.</summary>
    public IDictionary<string, string?> ConfigurationOverrides()
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Store:ConnectionString"] = $"Data Source={Database}",
            [$"{ProductTextOptions.Section}:{nameof(ProductTextOptions.MaxTextBytes)}"] = MaxTextBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (Models is not null) overrides["Models:Kind"] = Models;
        return overrides;
    }
}

/// <summary>What <c>inference run</c> exits with, so a script can tell the outcomes apart.</summary>
public static class RunExitCodes
{
    /// <summary>Every product Completed.</summary>
    public const int Completed = 0;

    /// <summary>The run could not start: no input file, an output or database that cannot be written.</summary>
    public const int Unusable = 2;

    /// <summary>Every product read Completed, but lines of the file were rejected (and skipped).</summary>
    public const int LinesRejected = 3;

    /// <summary>Products Faulted or never finished (whether or not lines were rejected too).</summary>
    public const int ProductsFaulted = 4;
}
