namespace Inference.Models.Onnx.Text;

/// <summary>
/// The training tokenizer (models/training/featurizer.py): runs of word characters, split where a cased code point follows an
/// uncased one, and every other non-space code point alone; offsets in UTF-16 units, at most <c>maxTokens</c> tokens.
/// </summary>
public sealed class Tokenizer(UnicodeTables tables)
{
    public UnicodeTables Tables { get; } = tables;

    public TokenizedText Tokenize(string text, int maxTokens = int.MaxValue)
    {
        var into = new TokenizedText();
        Tokenize(text, maxTokens, into);
        return into;
    }

    public void Tokenize(string text, int maxTokens, TokenizedText into)
    {
        into.Reset(text);
        if (maxTokens <= 0) return;
        var tables = Tables;
        var inRun = false;
        var runStart = 0;
        var runCodePoint = 0;
        var previous = 0;
        var pos = 0;
        for (var i = 0; i < text.Length;)
        {
            var cp = Runes.Read(text, i, out var width);
            i += width;
            if (tables.IsWord(cp))
            {
                var lower = tables.Lower(cp);
                if (!inRun)
                {
                    inRun = true;
                    runStart = pos;
                    runCodePoint = into.CodePointCount;
                }
                else if (lower != cp && tables.Lower(previous) == previous)
                {
                    into.Emit(runStart, pos, runCodePoint);
                    if (into.Count >= maxTokens) return;
                    runStart = pos;
                    runCodePoint = into.CodePointCount;
                }

                into.Append(cp, lower);
                previous = cp;
            }
            else
            {
                if (inRun)
                {
                    into.Emit(runStart, pos, runCodePoint);
                    inRun = false;
                    if (into.Count >= maxTokens) return;
                }

                if (!tables.IsSpace(cp))
                {
                    var start = into.CodePointCount;
                    into.Append(cp, tables.Lower(cp));
                    into.Emit(pos, pos + width, start);
                    if (into.Count >= maxTokens) return;
                }
            }

            pos += width;
        }

        if (inRun) into.Emit(runStart, pos, runCodePoint);
    }
}
