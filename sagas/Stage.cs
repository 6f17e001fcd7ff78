namespace Inference.Sagas;

/// <summary>The pipeline's stages, as named in saga state, faults and metrics.</summary>
public static class Stage
{
    public const string Classify = "classify";
    public const string ClassifyDeep = "classify-deep";
    public const string Extract = "extract";
    public const string Validate = "validate";
    public const string Store = "store";

    /// <summary>Every stage, in the order a product meets them.</summary>
    public static readonly IReadOnlyList<string> All = [Classify, ClassifyDeep, Extract, Validate, Store];

    /// <summary>The stage a product waits on in a saga state (Classifying → classify, …); null for a state that waits on none.</summary>
    public static string? AwaitedIn(string? state) => state switch
    {
        nameof(ProductStateMachine.Classifying) => Classify,
        nameof(ProductStateMachine.DeepClassifying) => ClassifyDeep,
        nameof(ProductStateMachine.Extracting) => Extract,
        nameof(ProductStateMachine.Validating) => Validate,
        nameof(ProductStateMachine.Storing) => Store,
        _ => null,
    };

    /// <summary>The saga state that waits on <paramref name="stage"/> (classify → Classifying, …; the inverse of <see cref="AwaitedIn"/>); null for a name that is no stage.</summary>
    public static string? StateAwaiting(string? stage) => stage switch
    {
        Classify => nameof(ProductStateMachine.Classifying),
        ClassifyDeep => nameof(ProductStateMachine.DeepClassifying),
        Extract => nameof(ProductStateMachine.Extracting),
        Validate => nameof(ProductStateMachine.Validating),
        Store => nameof(ProductStateMachine.Storing),
        _ => null,
    };
}
