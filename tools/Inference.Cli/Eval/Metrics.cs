namespace Inference.Cli.Eval;

/// <summary>The evaluation's metric definitions, as <c>models/training/common.py</c>, <c>train_extractors.py</c> and <c>mpn.py</c> state them.</summary>
public static class Metrics
{
    public sealed record Classification(int N, double Accuracy, double MacroF1, IReadOnlyDictionary<string, double> F1PerCategory, double? Top3Accuracy);

    /// <summary>Accuracy, and macro-F1 over <paramref name="evaluationCategories"/> (each F1 rounded to 4 places before the mean, as Python does).</summary>
    public static Classification Classify(IReadOnlyList<string> truth, IReadOnlyList<string?> predicted, IReadOnlyList<string> evaluationCategories,
        IReadOnlyList<IReadOnlyList<string>>? top3 = null)
    {
        var n = truth.Count;
        var correct = Enumerable.Range(0, n).Count(i => predicted[i] == truth[i]);
        var f1s = new Dictionary<string, double>();
        foreach (var c in evaluationCategories)
        {
            int tp = 0, fp = 0, fn = 0;
            for (var i = 0; i < n; i++)
            {
                var p = predicted[i] == c;
                var y = truth[i] == c;
                if (p && y) tp++;
                else if (p) fp++;
                else if (y) fn++;
            }

            var precision = tp + fp > 0 ? (double)tp / (tp + fp) : 0;
            var recall = tp + fn > 0 ? (double)tp / (tp + fn) : 0;
            f1s[c] = precision + recall > 0 ? PyText.Round4(2 * precision * recall / (precision + recall)) : 0;
        }

        double? top3Accuracy = top3 is null ? null : PyText.Round4((double)Enumerable.Range(0, n).Count(i => top3[i].Contains(truth[i])) / n);
        return new Classification(n, PyText.Round4((double)correct / n), PyText.Round4(f1s.Values.Average()), f1s, top3Accuracy);
    }

    /// <summary>Categories with at least <paramref name="minimum"/> scored records, sorted.</summary>
    public static string[] EvaluationCategories(IEnumerable<string> truth, int minimum = 30) =>
        truth.GroupBy(c => c).Where(g => g.Count() >= minimum).Select(g => g.Key).Order(StringComparer.Ordinal).ToArray();

    public sealed record Ratio(int Hits, int N)
    {
        public double? Value => N > 0 ? PyText.Round4((double)Hits / N) : null;
    }

    public sealed record F1(int Annotated, int Hits, int Predicted, int PredictedCorrect, int PaveRecords)
    {
        public double Recall => Annotated > 0 ? (double)Hits / Annotated : 0;

        public double Precision => Predicted > 0 ? (double)PredictedCorrect / Predicted : 0;

        public double Value => PyText.Round4(Precision + Recall > 0 ? 2 * Precision * Recall / (Precision + Recall) : 0);
    }

    public sealed record Extraction(int Records, Ratio Brand, Ratio Mpn, Ratio Gtin, F1? AttributesAll, F1? AttributesCategory);

    /// <summary>
    /// <c>score_records</c>: BRAND/MPN/GTIN exact (alphanumerics, case ignored) over records whose value occurs in the text; on wdc-pave records,
    /// attribute F1 (precision over predicted pairs, recall over annotated attributes; "all" scores the identifier attributes through BRAND/MPN/GTIN).
    /// </summary>
    public static Extraction Extract(IReadOnlyList<EvalRecord> records, IReadOnlyList<IReadOnlyDictionary<string, string?>> predictions,
        IReadOnlyCollection<string> attributeNames, bool attributes)
    {
        var hits = new Dictionary<string, int>();
        var ns = new Dictionary<string, int>();
        int aRec = 0, aHit = 0, aPred = 0, aPok = 0, caRec = 0, caHit = 0, caPred = 0, caPok = 0, pave = 0;
        for (var r = 0; r < records.Count; r++)
        {
            var record = records[r];
            var textKey = PyText.AlnumKey(record.Text);
            var core = record.CoreValues();
            var pk = predictions[r].ToDictionary(p => p.Key, p => string.IsNullOrEmpty(p.Value) ? null : PyText.AlnumKey(p.Value));
            foreach (var label in EvalRecord.CoreLabels)
            {
                var keys = (core.TryGetValue(label, out var values) ? values : []).Select(PyText.AlnumKey).Where(k => k.Length > 0 && textKey.Contains(k, StringComparison.Ordinal)).ToList();
                if (keys.Count == 0) continue;
                ns[label] = ns.GetValueOrDefault(label) + 1;
                if (pk.GetValueOrDefault(label) is { } p && keys.Contains(p)) hits[label] = hits.GetValueOrDefault(label) + 1;
            }

            if (!attributes || !record.IsPave) continue;
            pave++;
            foreach (var (name, values) in record.Attributes)
            {
                var keys = values.Select(PyText.AlnumKey).ToHashSet();
                var coreLabel = EvalRecord.CoreOfAttribute.GetValueOrDefault(name);
                var p = coreLabel is not null ? pk.GetValueOrDefault(coreLabel) : pk.GetValueOrDefault(name);
                var hit = p is not null && keys.Contains(p);
                aRec++;
                if (hit) aHit++;
                if (coreLabel is null)
                {
                    caRec++;
                    if (hit) caHit++;
                }
            }

            foreach (var (label, value) in pk)
            {
                if (value is null) continue;
                if (EvalRecord.CoreLabels.Contains(label))
                {
                    var ok = record.Attributes.Where(a => EvalRecord.CoreOfAttribute.GetValueOrDefault(a.Key) == label)
                        .Any(a => a.Value.Select(PyText.AlnumKey).Contains(value));
                    aPred++;
                    if (ok) aPok++;
                }
                else if (attributeNames.Contains(label))
                {
                    var ok = record.Attributes.TryGetValue(label, out var vals) && vals.Select(PyText.AlnumKey).Contains(value);
                    aPred++;
                    caPred++;
                    if (ok)
                    {
                        aPok++;
                        caPok++;
                    }
                }
            }
        }

        Ratio R(string label) => new(hits.GetValueOrDefault(label), ns.GetValueOrDefault(label));
        return new Extraction(records.Count, R("BRAND"), R("MPN"), R("GTIN"),
            aRec > 0 ? new F1(aRec, aHit, aPred, aPok, pave) : null,
            caRec > 0 ? new F1(caRec, caHit, caPred, caPok, pave) : null);
    }

    /// <summary>
    /// One identifier (BRAND or MPN) judged over every record: precision over every value extracted (a record with no label, or whose
    /// label is not the value, makes it wrong), recall over the records whose label is in the text (and over every labelled record).
    /// </summary>
    public sealed record ValueQuality(int Predicted, int PredictedRight, int InText, int InTextHits, int Labelled, int LabelledHits, int Unlabelled, int UnlabelledEmpty)
    {
        public double? Precision => Predicted > 0 ? PyText.Round4((double)PredictedRight / Predicted) : null;

        public double? Recall => InText > 0 ? PyText.Round4((double)InTextHits / InText) : null;

        public double? RecallAllLabels => Labelled > 0 ? PyText.Round4((double)LabelledHits / Labelled) : null;

        public double? F1 => Precision is { } p && Recall is { } r && p + r > 0 ? PyText.Round4(2 * p * r / (p + r)) : null;

        /// <summary>Of the records with no label, the share where nothing was extracted (the "no value" answer).</summary>
        public double? NoneWhenUnlabelled => Unlabelled > 0 ? PyText.Round4((double)UnlabelledEmpty / Unlabelled) : null;
    }

    public static ValueQuality Quality(IReadOnlyList<EvalRecord> records, IReadOnlyList<IReadOnlyDictionary<string, string?>> predictions, string label)
    {
        int predicted = 0, right = 0, inText = 0, inTextHits = 0, labelled = 0, labelledHits = 0, unlabelled = 0, unlabelledEmpty = 0;
        for (var r = 0; r < records.Count; r++)
        {
            var textKey = PyText.AlnumKey(records[r].Text);
            var keys = (records[r].CoreValues().TryGetValue(label, out var values) ? values : []).Select(PyText.AlnumKey).Where(k => k.Length > 0).ToHashSet();
            var value = predictions[r].GetValueOrDefault(label);
            var key = string.IsNullOrEmpty(value) ? null : PyText.AlnumKey(value);
            if (key is { Length: 0 }) key = null;
            var hit = key is not null && keys.Contains(key);
            if (key is not null)
            {
                predicted++;
                if (hit) right++;
            }

            if (keys.Count == 0)
            {
                unlabelled++;
                if (key is null) unlabelledEmpty++;
                continue;
            }

            labelled++;
            if (hit) labelledHits++;
            if (keys.Any(k => textKey.Contains(k, StringComparison.Ordinal)))
            {
                inText++;
                if (hit) inTextHits++;
            }
        }

        return new ValueQuality(predicted, right, inText, inTextHits, labelled, labelledHits, unlabelled, unlabelledEmpty);
    }

    /// <summary>Area under the ROC curve by average ranks (ties share their rank).</summary>
    public static double Auc(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        var n = scores.Count;
        var order = Enumerable.Range(0, n).OrderBy(i => scores[i]).ThenBy(i => i).ToArray();
        var ranks = new double[n];
        for (var i = 0; i < n;)
        {
            var j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) j++;
            for (var k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2.0 + 1;
            i = j + 1;
        }

        double positives = labels.Count(l => l == 1), negatives = n - positives;
        var rankSum = Enumerable.Range(0, n).Where(i => labels[i] == 1).Sum(i => ranks[i]);
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
    }

    /// <summary>Precision and recall of <c>score ≥ threshold</c>.</summary>
    public static (double Precision, double Recall) At(IReadOnlyList<double> scores, IReadOnlyList<int> labels, double threshold)
    {
        int tp = 0, fp = 0, fn = 0;
        for (var i = 0; i < scores.Count; i++)
        {
            var p = scores[i] >= threshold;
            if (p && labels[i] == 1) tp++;
            else if (p) fp++;
            else if (labels[i] == 1) fn++;
        }

        return (tp + fp > 0 ? (double)tp / (tp + fp) : 0, tp + fn > 0 ? (double)tp / (tp + fn) : 0);
    }
}
