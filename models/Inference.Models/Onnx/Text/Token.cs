namespace Inference.Models.Onnx.Text;

/// <summary>One token: <c>[Start, End)</c> in UTF-16 units of the original text; its code points at <c>[CodePoint, CodePoint + Length)</c> of the tokenized text's buffers.</summary>
public readonly record struct Token(int Start, int End, int CodePoint, int Length);
