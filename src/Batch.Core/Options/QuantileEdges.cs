namespace Batch.Core.Options;

/// <summary>
/// Bucket edges at a column's quantiles, and which bucket a value falls in: one definition for the quantile-bucket
/// encoder and for the drift check's deciles.
/// </summary>
public static class QuantileEdges
{
    /// <summary>Distinct edges at the k/buckets quantiles (k = 1 … buckets − 1) of the finite values.</summary>
    public static double[] Fit(IEnumerable<double> values, int buckets)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        if (sorted.Length == 0) return [];
        return [.. Enumerable.Range(1, buckets - 1).Select(k => sorted[Math.Min(sorted.Length - 1, (int)((long)k * sorted.Length / buckets))]).Distinct()];
    }

    /// <summary>The number of edges at or below <paramref name="value"/>: its bucket, from 0 to the number of edges.</summary>
    public static int Below(IReadOnlyList<double> edges, double value)
    {
        ArgumentNullException.ThrowIfNull(edges);
        int lo = 0, hi = edges.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (edges[mid] <= value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
