using FastBertTokenizer;

namespace Inference.Models.Onnx;

/// <summary>
/// A pretrained sentence encoder: the text's title in WordPiece tokens (the manifest's vocabulary and token limit), one L2-normalised
/// embedding out. Texts are batched by length, so a short title never pays for a long one's padding.
/// </summary>
public sealed class SentenceEncoder
{
    readonly LoadedModel _model;
    readonly BertTokenizer _tokenizer = new();
    readonly Lock _tokenizerLock = new();
    readonly string[] _inputNames;
    readonly string _outputName;

    /// <param name="extraInputs">inputs of the graph besides the encoder's three (a head's), fed by <see cref="Run"/>'s caller</param>
    public SentenceEncoder(LoadedModel model, IReadOnlyList<string>? extraInputs = null)
    {
        var manifest = model.Manifest;
        _model = model;
        var tokenizer = manifest.Featurizer["tokenizer"];
        var kind = manifest.Get<string>(tokenizer?["kind"], "featurizer.tokenizer.kind");
        if (kind != "bert-wordpiece") throw manifest.Invalid($"featurizer.tokenizer.kind is '{kind}'; this encoder reads 'bert-wordpiece'");
        MaxTokens = manifest.Get<int>(tokenizer?["max_tokens"], "featurizer.tokenizer.max_tokens");
        if (MaxTokens is < 3 or > 512) throw manifest.Invalid($"featurizer.tokenizer.max_tokens = {MaxTokens}: use 3 to 512");
        var lowercase = manifest.Get<bool>(tokenizer?["lowercase"], "featurizer.tokenizer.lowercase");
        var vocab = manifest.Get<string>(tokenizer?["vocab"]?["file"], "featurizer.tokenizer.vocab.file");
        using (var reader = File.OpenText(manifest.PathOf(vocab))) _tokenizer.LoadVocabulary(reader, lowercase);
        TitleOnly = manifest.Get<string>(tokenizer?["input"], "featurizer.tokenizer.input") switch
        {
            "title" => true,
            "text" => false,
            var other => throw manifest.Invalid($"featurizer.tokenizer.input is '{other}'; use 'title' (the text's first line) or 'text'"),
        };
        string[] names = ["input_ids", "attention_mask", "token_type_ids"];
        var encoderInputs = manifest.Inputs.Take(names.Length).ToArray();
        if (!names.SequenceEqual(encoderInputs.Select(i => i.Name)) || encoderInputs.Any(i => i.Type != "int64" || i.Rank != 2)
            || !manifest.Inputs.Skip(names.Length).Select(i => i.Name).SequenceEqual(extraInputs ?? []))
            throw manifest.Invalid($"a sentence encoder takes int64 [batch, tokens] inputs {string.Join(", ", names)} (then {string.Join(", ", extraInputs ?? [])}); the manifest declares {string.Join(", ", manifest.Inputs)}");
        var embedding = manifest.Outputs.FirstOrDefault(o => o.Name == "embedding");
        if (embedding is null || embedding.Rank != 2 || embedding.Fixed(1) is not { } dimension)
            throw manifest.Invalid($"a sentence encoder has an output 'embedding' [batch, dimension]; the manifest declares {string.Join(", ", manifest.Outputs)}");
        Dimension = dimension;
        _inputNames = [.. names, .. extraInputs ?? []];
        _outputName = embedding.Name;
    }

    public int MaxTokens { get; }

    public int Dimension { get; }

    /// <summary>Whether only the text's first line (the title) is encoded.</summary>
    public bool TitleOnly { get; }

    /// <summary>The token ids of one text as the model sees them ([CLS] … [SEP], at most <see cref="MaxTokens"/>).</summary>
    public long[] Tokenize(string text)
    {
        var ids = new long[MaxTokens];
        var mask = new long[MaxTokens];
        var count = Encode(text, ids, mask);
        return ids[..count];
    }

    /// <summary>One embedding per text, in order, batches of at most <paramref name="batchSize"/> texts of similar length.</summary>
    public float[][] Embed(IReadOnlyList<string> texts, int batchSize = 32) =>
        Run(texts, _outputName, Dimension, (_, _) => [], batchSize);

    /// <summary>
    /// Runs the graph on the texts in batches of similar length and returns one row of <paramref name="output"/> per text, in order.
    /// <paramref name="extra"/> makes the batch's other inputs (rows, the texts' indexes in batch order).
    /// </summary>
    public float[][] Run(IReadOnlyList<string> texts, string output, int width, Func<int, int[], Microsoft.ML.OnnxRuntime.OrtValue[]> extra, int batchSize = 32)
    {
        var result = new float[texts.Count][];
        if (texts.Count == 0) return result;
        var ids = new long[texts.Count][];
        for (var i = 0; i < texts.Count; i++) ids[i] = Tokenize(texts[i] ?? "");
        var order = Enumerable.Range(0, texts.Count).OrderBy(i => ids[i].Length).ThenBy(i => i).ToArray();
        foreach (var batch in order.Chunk(batchSize))
        {
            var tokens = batch.Max(i => ids[i].Length);
            var inputIds = new long[batch.Length * tokens];
            var mask = new long[batch.Length * tokens];
            var types = new long[batch.Length * tokens];
            for (var r = 0; r < batch.Length; r++)
            {
                var row = ids[batch[r]];
                row.CopyTo(inputIds, r * tokens);
                mask.AsSpan(r * tokens, row.Length).Fill(1);
            }

            var inputs = new List<Microsoft.ML.OnnxRuntime.OrtValue>
            {
                OnnxRun.Tensor(inputIds, inputIds.Length, batch.Length, tokens),
                OnnxRun.Tensor(mask, mask.Length, batch.Length, tokens),
                OnnxRun.Tensor(types, types.Length, batch.Length, tokens),
            };
            try
            {
                inputs.AddRange(extra(batch.Length, batch));
                using var outputs = OnnxRun.Run(_model, _inputNames, [.. inputs], [output]);
                var values = outputs[0].GetTensorDataAsSpan<float>();
                for (var r = 0; r < batch.Length; r++) result[batch[r]] = values.Slice(r * width, width).ToArray();
            }
            finally
            {
                foreach (var input in inputs) input.Dispose();
            }
        }

        return result;
    }

    int Encode(string text, Span<long> ids, Span<long> mask)
    {
        var input = TitleOnly && text.IndexOf('\n') is var newline and >= 0 ? text[..newline] : text;
        lock (_tokenizerLock) return _tokenizer.Encode(input, ids, mask);
    }
}
