namespace Batch.Evaluation.Reports;

/// <summary>A ROC curve: false-positive rate against true-positive rate, from (0, 0) to (1, 1).</summary>
public sealed record RocCurve(double[] FalsePositiveRate, double[] TruePositiveRate);

/// <summary>A reliability curve: per bin of predicted probability, the mean prediction and the observed rate.</summary>
public sealed record CalibrationCurve(double[] MeanPredicted, double[] ObservedRate, int[] Count);

/// <summary>The curves of a run report, computed from scores and labels.</summary>
public static class Curves
{
    /// <summary>
    /// The ROC curve at every distinct threshold (tied scores form one step), thinned to at most
    /// <paramref name="maxPoints"/> points for plotting.
    /// </summary>
    public static RocCurve Roc(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels, int maxPoints = 400)
    {
        if (scores.Length != labels.Length) throw new ArgumentException($"{scores.Length} scores but {labels.Length} labels.");
        var order = Enumerable.Range(0, scores.Length).ToArray();
        var keys = scores.ToArray().Select(s => -s).ToArray(); // descending scores
        Array.Sort(keys, order);
        var positives = 0;
        foreach (var l in labels) if (l) positives++;
        var negatives = labels.Length - positives;
        if (positives == 0 || negatives == 0) throw new ArgumentException("A ROC curve needs both positive and negative labels.");

        var fpr = new List<double> { 0 };
        var tpr = new List<double> { 0 };
        int tp = 0, fp = 0;
        for (var k = 0; k < order.Length; k++)
        {
            if (labels[order[k]]) tp++; else fp++;
            if (k + 1 < order.Length && keys[k + 1] == keys[k]) continue; // the rest of a tie moves with it
            fpr.Add((double)fp / negatives);
            tpr.Add((double)tp / positives);
        }
        if (fpr.Count <= maxPoints) return new RocCurve([.. fpr], [.. tpr]);
        var step = (fpr.Count - 1) / (double)(maxPoints - 1);
        var picks = Enumerable.Range(0, maxPoints).Select(i => (int)Math.Round(i * step)).Distinct().ToArray();
        return new RocCurve(picks.Select(i => fpr[i]).ToArray(), picks.Select(i => tpr[i]).ToArray());
    }

    /// <summary>
    /// <paramref name="bins"/> bins of equal count by predicted probability (the last takes the remainder); per bin the
    /// mean prediction and the share of positives. Equal-count bins keep every point backed by data, however skewed
    /// the predictions (a conversion model predicts mostly below 1 %).
    /// </summary>
    public static CalibrationCurve Calibration(ReadOnlySpan<float> probabilities, ReadOnlySpan<bool> labels, int bins = 10)
    {
        if (probabilities.Length != labels.Length) throw new ArgumentException($"{probabilities.Length} probabilities but {labels.Length} labels.");
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        var n = probabilities.Length;
        if (n < bins) throw new ArgumentException($"{n} examples cannot fill {bins} bins.");
        var order = Enumerable.Range(0, n).ToArray();
        Array.Sort(probabilities.ToArray(), order);
        var size = n / bins;
        var predicted = new double[bins];
        var observed = new double[bins];
        var count = new int[bins];
        for (var b = 0; b < bins; b++)
        {
            var end = b == bins - 1 ? n : (b + 1) * size;
            for (var k = b * size; k < end; k++)
            {
                predicted[b] += probabilities[order[k]];
                observed[b] += labels[order[k]] ? 1 : 0;
                count[b]++;
            }
            predicted[b] /= count[b];
            observed[b] /= count[b];
        }
        return new CalibrationCurve(predicted, observed, count);
    }
}
