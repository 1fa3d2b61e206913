namespace Batch.Evaluation.Statistics;

/// <summary>Ranks of a sample, as the rank-sum AUC and DeLong's structural components need them.</summary>
public static class Ranks
{
    /// <summary>1-based ranks, tied values sharing the mean of their ranks.</summary>
    public static double[] Mid(ReadOnlySpan<float> values)
    {
        var order = new int[values.Length];
        for (var i = 0; i < order.Length; i++) order[i] = i;
        var keys = values.ToArray();
        Array.Sort(keys, order);
        var ranks = new double[values.Length];
        var start = 0;
        while (start < order.Length)
        {
            var end = start;
            while (end + 1 < order.Length && keys[end + 1] == keys[start]) end++;
            var rank = (start + end) / 2.0 + 1;
            for (var k = start; k <= end; k++) ranks[order[k]] = rank;
            start = end + 1;
        }
        return ranks;
    }
}
