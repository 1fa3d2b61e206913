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

    /// <summary>Copies the given rows, in that order, into <paramref name="into"/> (sized to them).</summary>
    void Read(ReadOnlySpan<int> rows, EncodedBatch into);
}

/// <summary>One batch of encoded rows, laid out as <see cref="EncodedFrame"/> lays out a frame.</summary>
public sealed class EncodedBatch(int categoricalCount, int numericCount)
{
    public int CategoricalCount { get; } = categoricalCount;
    public int NumericCount { get; } = numericCount;
    public int Count { get; private set; }
    public int[] Indices { get; private set; } = [];
    public float[] Values { get; private set; } = [];
    public float[] Clicked { get; private set; } = [];
    public float[] Converted { get; private set; } = [];

    /// <summary>Sizes the arrays for <paramref name="count"/> rows (exactly: a tensor is made from each whole array).</summary>
    public void Reset(int count)
    {
        if (count != Count || Clicked.Length != count)
        {
            Indices = new int[count * CategoricalCount];
            Values = new float[count * NumericCount];
            Clicked = new float[count];
            Converted = new float[count];
        }
        Count = count;
    }
}
