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
        if (labels.Length < 2) throw new ArgumentException("A paired logloss comparison needs at least two examples.");
        var (pa, pb, l) = (a.ToArray(), b.ToArray(), labels.ToArray());
        var (meanA, meanB, mean, se) = PairedMeans.Of(l.Length, i => (Loss(pa[i], l[i], epsilon), Loss(pb[i], l[i], epsilon)));
        return new PairedLogLoss(meanA, meanB, mean, se);
    }

    private static double Loss(float probability, bool label, double epsilon)
    {
        var p = Math.Clamp((double)probability, epsilon, 1 - epsilon);
        return label ? -Math.Log(p) : -Math.Log(1 - p);
    }
}
