namespace Batch.Evaluation.Statistics;

/// <summary>Two models' AUCs on the same examples, and the variance of their difference.</summary>
/// <param name="A">AUC of the first model (the candidate)</param>
/// <param name="B">AUC of the second model (production)</param>
/// <param name="Variance">DeLong's variance of A − B</param>
public sealed record PairedAuc(double A, double B, double Variance)
{
    public double Difference => A - B;

    public double StandardError => Math.Sqrt(Variance);
}

/// <summary>
/// DeLong, DeLong and Clarke-Pearson (Biometrics 1988): the variance of the difference of two correlated AUCs
/// measured on the same examples, from the structural components of each AUC. The components come from midranks
/// (Sun and Xu, IEEE SPL 2014), so the whole is O(n log n).
/// </summary>
public static class DeLong
{
    /// <remarks>
    /// For positives xᵢ (m of them) and negatives yⱼ (n), model r's components are
    /// V10ʳ(xᵢ) = (1/n)·Σⱼ ψ(xᵢ, yⱼ) and V01ʳ(yⱼ) = (1/m)·Σᵢ ψ(xᵢ, yⱼ), ψ = 1, ½ or 0 as x &gt; y, x = y, x &lt; y;
    /// AUCʳ is the mean of either. With S10 and S01 the 2×2 sample covariances (denominator m − 1, n − 1) of the
    /// components over positives and over negatives, Var(AUCᵃ − AUCᵇ) = (S10ₐₐ + S10_bb − 2·S10ₐ_b)/m +
    /// (S01ₐₐ + S01_bb − 2·S01ₐ_b)/n.
    /// </remarks>
    public static PairedAuc Compare(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<bool> labels)
    {
        if (a.Length != labels.Length || b.Length != labels.Length)
            throw new ArgumentException($"{a.Length} and {b.Length} scores for {labels.Length} labels; both models must be scored on the same examples.");
        var positives = new List<int>();
        var negatives = new List<int>();
        for (var i = 0; i < labels.Length; i++) (labels[i] ? positives : negatives).Add(i);
        var (m, n) = (positives.Count, negatives.Count);
        if (m < 2 || n < 2)
            throw new ArgumentException($"DeLong's variance needs at least two positives and two negatives; there are {m} and {n}.");

        var (v10a, v01a) = Components(a, positives, negatives);
        var (v10b, v01b) = Components(b, positives, negatives);
        var s10 = Covariance(v10a, v10b);
        var s01 = Covariance(v01a, v01b);
        var variance = (s10.Aa + s10.Bb - 2 * s10.Ab) / m + (s01.Aa + s01.Bb - 2 * s01.Ab) / n;
        return new PairedAuc(v10a.Average(), v10b.Average(), Math.Max(variance, 0));
    }

    /// <summary>One model's structural components: V10 per positive, V01 per negative.</summary>
    public static (double[] V10, double[] V01) Components(ReadOnlySpan<float> scores, IReadOnlyList<int> positives, IReadOnlyList<int> negatives)
    {
        ArgumentNullException.ThrowIfNull(positives);
        ArgumentNullException.ThrowIfNull(negatives);
        var (m, n) = (positives.Count, negatives.Count);
        var all = new float[m + n];
        var x = new float[m];
        var y = new float[n];
        for (var i = 0; i < m; i++) all[i] = x[i] = scores[positives[i]];
        for (var j = 0; j < n; j++) all[m + j] = y[j] = scores[negatives[j]];
        var rankAll = Ranks.Mid(all);
        var rankX = Ranks.Mid(x);
        var rankY = Ranks.Mid(y);
        // A positive's midrank among all, less its midrank among positives, counts the negatives below it (ties ½).
        var v10 = new double[m];
        for (var i = 0; i < m; i++) v10[i] = (rankAll[i] - rankX[i]) / n;
        // A negative's midrank among all, less its midrank among negatives, counts the positives below it.
        var v01 = new double[n];
        for (var j = 0; j < n; j++) v01[j] = 1 - (rankAll[m + j] - rankY[j]) / m;
        return (v10, v01);
    }

    private static (double Aa, double Bb, double Ab) Covariance(double[] a, double[] b)
    {
        var (ma, mb) = (a.Average(), b.Average());
        double aa = 0, bb = 0, ab = 0;
        for (var i = 0; i < a.Length; i++)
        {
            aa += (a[i] - ma) * (a[i] - ma);
            bb += (b[i] - mb) * (b[i] - mb);
            ab += (a[i] - ma) * (b[i] - mb);
        }
        var d = a.Length - 1;
        return (aa / d, bb / d, ab / d);
    }
}
