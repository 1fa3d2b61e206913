namespace Batch.Evaluation;

/// <summary>Binary classification metrics computed from scores and 0/1 labels, and a regression's errors.</summary>
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

    /// <summary>Root mean squared error of predictions against values.</summary>
    public static double Rmse(ReadOnlySpan<float> predictions, ReadOnlySpan<float> values)
    {
        CheckLengths(predictions.Length, values.Length);
        if (values.Length == 0) throw new ArgumentException("RMSE of no examples is undefined.");
        double sum = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var e = (double)predictions[i] - values[i];
            sum += e * e;
        }
        return Math.Sqrt(sum / values.Length);
    }

    /// <summary>Mean absolute error of predictions against values.</summary>
    public static double Mae(ReadOnlySpan<float> predictions, ReadOnlySpan<float> values)
    {
        CheckLengths(predictions.Length, values.Length);
        if (values.Length == 0) throw new ArgumentException("MAE of no examples is undefined.");
        double sum = 0;
        for (var i = 0; i < values.Length; i++) sum += Math.Abs((double)predictions[i] - values[i]);
        return sum / values.Length;
    }

    /// <summary>The population standard deviation of values: the RMSE of predicting their mean.</summary>
    public static double StandardDeviation(ReadOnlySpan<float> values)
    {
        if (values.Length == 0) throw new ArgumentException("The spread of no values is undefined.");
        double mean = 0;
        foreach (var v in values) mean += v;
        mean /= values.Length;
        double sum = 0;
        foreach (var v in values) sum += (v - mean) * (v - mean);
        return Math.Sqrt(sum / values.Length);
    }

    private static void CheckLengths(int a, int b)
    {
        if (a != b) throw new ArgumentException($"{a} scores but {b} labels.");
    }
}
