namespace Batch.Modeling.Features;

/// <summary>
/// Encoded rows a model trains or is validated on, read a batch at a time: in memory (<see cref="EncodedFrame"/>) or
/// on disk (<see cref="EncodedShards"/>). Row numbers run over all the rows, whatever holds them, so a shuffle of the
/// row numbers gives the same batches from either.
/// </summary>
public interface IEncodedRows
{
    int Rows { get; }
    int CategoricalCount { get; }
    int NumericCount { get; }
    int TaskCount { get; }

    /// <summary>Every task's targets summed over every row, known without reading the rows back.</summary>
    IReadOnlyList<double> TargetSums { get; }

    /// <summary>The given rows, in that order.</summary>
    EncodedBatch Read(ReadOnlySpan<int> rows);
}

/// <summary>Reading encoded rows in order.</summary>
public static class EncodedRows
{
    /// <summary>The column sums of row-major <paramref name="targets"/> [rows × <paramref name="tasks"/>].</summary>
    public static double[] Sums(float[] targets, int tasks)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var sums = new double[tasks];
        for (var i = 0; i < targets.Length; i++) sums[i % tasks] += targets[i];
        return sums;
    }

    /// <summary>Rows [start, start + size) for start = 0, size, 2 × size, …: each batch with the row it starts at.</summary>
    public static IEnumerable<(int Start, EncodedBatch Batch)> InOrder(this IEncodedRows rows, int size)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        for (var start = 0; start < rows.Rows; start += size)
            yield return (start, rows.Read(Enumerable.Range(start, Math.Min(size, rows.Rows - start)).ToArray()));
    }
}

/// <summary>One batch of encoded rows, laid out as <see cref="EncodedFrame"/> lays out a frame.</summary>
public sealed class EncodedBatch(int count, int categoricalCount, int numericCount, int taskCount)
{
    public int CategoricalCount { get; } = categoricalCount;
    public int NumericCount { get; } = numericCount;
    public int TaskCount { get; } = taskCount;
    public int Count { get; } = count;
    public int[] Indices { get; } = new int[count * categoricalCount];
    public float[] Values { get; } = new float[count * numericCount];

    /// <summary>[rows × tasks], row-major.</summary>
    public float[] Targets { get; } = new float[count * taskCount];

    /// <summary>Task <paramref name="task"/>'s target of row <paramref name="row"/>.</summary>
    public float Target(int row, int task) => Targets[row * TaskCount + task];
}
