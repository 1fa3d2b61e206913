namespace Batch.Evaluation;

/// <summary>Binary classification metrics computed from scores and 0/1 labels.</summary>
public static class Metrics
{
    /// <summary>
    /// Area under the ROC curve by the rank-sum (Mann–Whitney) formula; tied scores share their average rank,
    /// so a tie between a positive and a negative counts one half.
    /// </summary>
    public static double Auc(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        CheckLengths(scores.Length, labels.Length);
        var ranks = Statistics.Ranks.Mid(scores);
        double positiveRankSum = 0;
        long positives = 0;
        for (var i = 0; i < ranks.Length; i++)
        {
            if (!labels[i]) continue;
            positiveRankSum += ranks[i];
            positives++;
        }
        long negatives = scores.Length - positives;
        if (positives == 0 || negatives == 0)
            throw new ArgumentException(
                $"AUC is undefined with {positives} positive and {negatives} negative labels; both classes must be present.");
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    /// <summary>Mean binary cross-entropy, probabilities clipped to [ε, 1 − ε].</summary>
    public static double LogLoss(ReadOnlySpan<float> probabilities, ReadOnlySpan<bool> labels, double epsilon = 1e-7)
    {
        CheckLengths(probabilities.Length, labels.Length);
        if (probabilities.Length == 0) throw new ArgumentException("LogLoss of no examples is undefined.");
        double sum = 0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            var p = Math.Clamp((double)probabilities[i], epsilon, 1 - epsilon);
            sum -= labels[i] ? Math.Log(p) : Math.Log(1 - p);
        }
        return sum / probabilities.Length;
    }

    private static void CheckLengths(int a, int b)
    {
        if (a != b) throw new ArgumentException($"{a} scores but {b} labels.");
    }
}
