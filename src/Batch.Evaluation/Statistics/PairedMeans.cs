namespace Batch.Evaluation.Statistics;

/// <summary>Two models' mean per-example losses on the same examples, and the mean of their differences with its standard error s_d/√N.</summary>
internal static class PairedMeans
{
    /// <param name="losses">example i's loss under the first model and under the second</param>
    public static (double A, double B, double MeanDifference, double StandardError) Of(int n, Func<int, (double A, double B)> losses)
    {
        double sumA = 0, sumB = 0, sumD = 0, sumD2 = 0;
        for (var i = 0; i < n; i++)
        {
            var (la, lb) = losses(i);
            var d = la - lb;
            sumA += la;
            sumB += lb;
            sumD += d;
            sumD2 += d * d;
        }
        var mean = sumD / n;
        var variance = Math.Max(0, (sumD2 - n * mean * mean) / (n - 1));
        return (sumA / n, sumB / n, mean, Math.Sqrt(variance / n));
    }
}
