namespace Inference.Models.Onnx;

/// <summary>An input or output as the manifest declares it: name, element type (<c>int64</c>, <c>float32</c>) and shape (a number, or a name for a free axis).</summary>
public sealed record TensorSpec(string Name, string Type, IReadOnlyList<string> Shape)
{
    public int Rank => Shape.Count;

    /// <summary>The fixed size of axis <paramref name="axis"/>, or null for a named (free) axis.</summary>
    public int? Fixed(int axis) => int.TryParse(Shape[axis], out var n) ? n : null;

    public override string ToString() => $"{Name} {Type}[{string.Join(", ", Shape)}]";
}
