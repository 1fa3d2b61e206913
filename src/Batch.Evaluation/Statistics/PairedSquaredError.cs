namespace Batch.Evaluation.Statistics;

/// <summary>
/// Two regressions' mean squared errors on the same examples, compared as the mean of the per-example differences
/// dᵢ = (aᵢ − yᵢ)² − (bᵢ − yᵢ)² with its standard error s_d/√N (a paired z test, as <see cref="PairedLogLoss"/>).
/// </summary>
public sealed record PairedSquaredError(double A, double B, double MeanDifference, double StandardError)
{
    /// <summary>The difference relative to the second model's mean squared error (0.05 = 5 % worse).</summary>
    public double RelativeDifference => MeanDifference / B;

    public static PairedSquaredError Compare(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> values)
    {
        if (a.Length != values.Length || b.Length != values.Length)
            throw new ArgumentException($"{a.Length} and {b.Length} predictions for {values.Length} values; both models must be scored on the same examples.");
        if (values.Length < 2) throw new ArgumentException("A paired squared-error comparison needs at least two examples.");
        var (pa, pb, y) = (a.ToArray(), b.ToArray(), values.ToArray());
        var (meanA, meanB, mean, se) = PairedMeans.Of(y.Length, i => (Square(pa[i] - (double)y[i]), Square(pb[i] - (double)y[i])));
        return new PairedSquaredError(meanA, meanB, mean, se);
    }

    private static double Square(double x) => x * x;
}
