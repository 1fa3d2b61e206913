namespace Batch.Evaluation.Statistics;

/// <summary>
/// Two models' loglosses on the same examples, compared as the mean of the per-example differences
/// dᵢ = ℓᵃᵢ − ℓᵇᵢ with its standard error s_d/√N (a paired z test; N is large on any day worth gating).
/// </summary>
public sealed record PairedLogLoss(double A, double B, double MeanDifference, double StandardError)
{
    /// <summary>The difference relative to the second model's logloss (0.02 = 2 % worse).</summary>
    public double RelativeDifference => MeanDifference / B;

    public static PairedLogLoss Compare(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<bool> labels, double epsilon = 1e-7)
    {
        if (a.Length != labels.Length || b.Length != labels.Length)
            throw new ArgumentException($"{a.Length} and {b.Length} probabilities for {labels.Length} labels; both models must be scored on the same examples.");
        var n = labels.Length;
        if (n < 2) throw new ArgumentException("A paired logloss comparison needs at least two examples.");
        double sumA = 0, sumB = 0, sumD = 0, sumD2 = 0;
        for (var i = 0; i < n; i++)
        {
            var la = Loss(a[i], labels[i], epsilon);
            var lb = Loss(b[i], labels[i], epsilon);
            var d = la - lb;
            sumA += la;
            sumB += lb;
            sumD += d;
            sumD2 += d * d;
        }
        var mean = sumD / n;
        var variance = Math.Max(0, (sumD2 - n * mean * mean) / (n - 1));
        return new PairedLogLoss(sumA / n, sumB / n, mean, Math.Sqrt(variance / n));
    }

    private static double Loss(float probability, bool label, double epsilon)
    {
        var p = Math.Clamp((double)probability, epsilon, 1 - epsilon);
        return label ? -Math.Log(p) : -Math.Log(1 - p);
    }
}
