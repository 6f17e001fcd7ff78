using Inference.Contracts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Inference.Classifier;

/// <summary>Which classification queues this process consumes: the fast <c>classify</c>, the deep <c>classify-deep</c>, or both.</summary>
public sealed class ClassifierOptions
{
    public const string Section = "Classifier";

    internal static readonly string[] Known = [QueueNames.Classify, QueueNames.ClassifyDeep];

    /// <summary>Queue names joined by commas; both by default, so one process serves the whole stage (e.g. <c>Classifier__Queues=classify-deep</c> runs the deep model alone).</summary>
    public string Queues { get; set; } = $"{QueueNames.Classify},{QueueNames.ClassifyDeep}";

    public IReadOnlyList<string> QueueList => Queues.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public bool Fast => QueueList.Contains(QueueNames.Classify);

    public bool Deep => QueueList.Contains(QueueNames.ClassifyDeep);

    /// <summary>Reads the section at registration time, refusing what <see cref="ClassifierOptionsValidator"/> refuses.</summary>
    public static ClassifierOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<ClassifierOptions>() ?? new ClassifierOptions();
        var result = new ClassifierOptionsValidator().Validate(null, options);
        return result.Failed ? throw new OptionsValidationException(Section, typeof(ClassifierOptions), result.Failures) : options;
    }
}

/// <summary>Refuses an empty or unknown queue list, naming the key.</summary>
public sealed class ClassifierOptionsValidator : IValidateOptions<ClassifierOptions>
{
    public ValidateOptionsResult Validate(string? name, ClassifierOptions options)
    {
        var unknown = options.QueueList.Where(q => !ClassifierOptions.Known.Contains(q)).ToArray();
        return options.QueueList.Count > 0 && unknown.Length == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{ClassifierOptions.Section}:{nameof(options.Queues)} = '{options.Queues}': name one or both of {string.Join(", ", ClassifierOptions.Known)}, joined by commas.");
    }
}
