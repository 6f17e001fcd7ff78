using Microsoft.ML.OnnxRuntime;

namespace Inference.Models.Onnx;

/// <summary>Runs a session on managed buffers (pinned, not copied) and hands back its outputs.</summary>
static class OnnxRun
{
    public static OrtValue Tensor<T>(T[] data, int length, params long[] shape) where T : unmanaged =>
        OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, data.AsMemory(0, length), shape);

    public static IDisposableReadOnlyCollection<OrtValue> Run(LoadedModel model, string[] inputNames, OrtValue[] inputs, string[] outputNames)
    {
        using var options = new RunOptions();
        return model.Session.Run(options, inputNames, inputs, outputNames);
    }

    /// <summary>The input of <paramref name="type"/> the manifest declares (the one model input of that type).</summary>
    public static string InputOf(ModelManifest manifest, string type) =>
        manifest.Inputs.SingleOrDefault(i => i.Type == type)?.Name
        ?? throw manifest.Invalid($"declares no single {type} input");
}
