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

    /// <summary>The clicks and conversions over every row, known without reading the rows back.</summary>
    (double Clicks, double Conversions) Outcomes { get; }

    /// <summary>The given rows, in that order.</summary>
    EncodedBatch Read(ReadOnlySpan<int> rows);
}

/// <summary>Reading encoded rows in order.</summary>
public static class EncodedRows
{
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
public sealed class EncodedBatch(int count, int categoricalCount, int numericCount)
{
    public int CategoricalCount { get; } = categoricalCount;
    public int NumericCount { get; } = numericCount;
    public int Count => Clicked.Length;
    public int[] Indices { get; } = new int[count * categoricalCount];
    public float[] Values { get; } = new float[count * numericCount];
    public float[] Clicked { get; } = new float[count];
    public float[] Converted { get; } = new float[count];
}
