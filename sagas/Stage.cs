namespace Inference.Sagas;

/// <summary>The pipeline's stages, as named in saga state, faults and metrics.</summary>
public static class Stage
{
    public const string Classify = "classify";
    public const string Extract = "extract";
    public const string Validate = "validate";
    public const string Store = "store";
}
