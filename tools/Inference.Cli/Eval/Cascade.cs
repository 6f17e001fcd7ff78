using Inference.Contracts;
using Inference.Models;
using Inference.Models.Onnx;

namespace Inference.Cli.Eval;

/// <summary>The classification stage as the saga runs it: the fast classifier, then the deep one for what it named below the gate.</summary>
public sealed class Cascade(OnnxCategoryClassifier fast, OnnxDeepCategoryClassifier deep, double gate) : ICategoryClassifier
{
    public ModelRef Model => deep.Model;

    public double Gate => gate;

    /// <summary>Products classified so far, and how many of them took the deep path.</summary>
    public int Products { get; private set; }

    public int DeepPath { get; private set; }

    public IReadOnlyList<CategoryPrediction> Classify(IReadOnlyList<string> texts) => Classify(texts, out _);

    /// <summary>Predictions in order; <paramref name="deepIndexes"/> are the texts the deep classifier decided.</summary>
    public IReadOnlyList<CategoryPrediction> Classify(IReadOnlyList<string> texts, out int[] deepIndexes)
    {
        var probabilities = fast.Probabilities(texts);
        var predictions = probabilities.Select(fast.Predict).ToArray();
        deepIndexes = Enumerable.Range(0, texts.Count).Where(i => predictions[i].Category is not null && predictions[i].Confidence < gate).ToArray();
        if (deepIndexes.Length > 0)
        {
            var decided = deep.Probabilities(deepIndexes.Select(i => texts[i]).ToArray(), deepIndexes.Select(i => probabilities[i]).ToArray());
            for (var k = 0; k < deepIndexes.Length; k++) predictions[deepIndexes[k]] = deep.Predict(decided[k]);
        }

        Products += texts.Count;
        DeepPath += deepIndexes.Length;
        return predictions;
    }
}
