using System.Text.Json;

namespace Inference.Models.Baseline;

/// <summary>Reads the baselines' rule files, which ship inside this assembly.</summary>
static class BaselineData
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static T Load<T>(string fileName)
    {
        var name = $"Inference.Models.Baseline.{fileName}";
        using var stream = typeof(BaselineData).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"baseline rules '{name}' are missing from the assembly");
        return JsonSerializer.Deserialize<T>(stream, Json)
            ?? throw new InvalidOperationException($"baseline rules '{name}' are empty");
    }
}
