namespace Inference.Extractor;

/// <summary>Which extractors this process serves; each gets its own <c>extract-&lt;name&gt;</c> queue.</summary>
public sealed class ExtractorOptions
{
    public const string Section = "Extractor";

    public List<string> Serve { get; set; } = [];
}
