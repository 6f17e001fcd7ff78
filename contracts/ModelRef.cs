namespace Inference.Contracts;

/// <summary>The model (or baseline) that produced a result: its name and version.</summary>
public sealed record ModelRef(string Name, string Version)
{
    public override string ToString() => $"{Name}@{Version}";
}
