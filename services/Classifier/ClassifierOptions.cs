using Inference.Contracts;
using Microsoft.Extensions.Configuration;

namespace Inference.Classifier;

/// <summary>Which classification queues this process consumes: the fast <c>classify</c>, the deep <c>classify-deep</c>, or both.</summary>
public sealed class ClassifierOptions
{
    public const string Section = "Classifier";

    static readonly string[] Known = [QueueNames.Classify, QueueNames.ClassifyDeep];

    /// <summary>Queue names joined by commas; both by default, so one process serves the whole stage (e.g. <c>Classifier__Queues=classify-deep</c> runs the deep model alone).</summary>
    public string Queues { get; set; } = $"{QueueNames.Classify},{QueueNames.ClassifyDeep}";

    public IReadOnlyList<string> QueueList => Queues.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public bool Fast => QueueList.Contains(QueueNames.Classify);

    public bool Deep => QueueList.Contains(QueueNames.ClassifyDeep);

    /// <summary>Reads the section, refusing an empty or unknown queue list at start-up with the reason.</summary>
    public static ClassifierOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<ClassifierOptions>() ?? new ClassifierOptions();
        var unknown = options.QueueList.Where(q => !Known.Contains(q)).ToArray();
        if (options.QueueList.Count == 0 || unknown.Length > 0)
            throw new InvalidOperationException(
                $"{Section}:{nameof(Queues)} = '{options.Queues}': name one or both of {string.Join(", ", Known)}, joined by commas");
        return options;
    }
}
