namespace Batch.Modeling.Features;

/// <summary>Derived encoded frames, for studies that train on part of a window or with a feature broken.</summary>
public static class Frames
{
    /// <summary>The given rows of <paramref name="frame"/>, in that order.</summary>
    public static EncodedFrame Subset(EncodedFrame frame, int[] rows)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(rows);
        var (c, n, t) = (frame.CategoricalCount, frame.NumericCount, frame.TaskCount);
        var indices = new int[rows.Length * c];
        var values = new float[rows.Length * n];
        var targets = new float[rows.Length * t];
        for (var k = 0; k < rows.Length; k++)
        {
            Array.Copy(frame.Indices, rows[k] * c, indices, k * c, c);
            Array.Copy(frame.Values, rows[k] * n, values, k * n, n);
            Array.Copy(frame.Targets, rows[k] * t, targets, k * t, t);
        }
        return new EncodedFrame(rows.Length, indices, c, values, n, targets, t);
    }

    /// <summary>The frame with categorical column <paramref name="column"/> permuted across rows: the feature keeps its distribution and loses its meaning.</summary>
    public static EncodedFrame ShuffleColumn(EncodedFrame frame, int column, Random random)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, frame.CategoricalCount);
        var indices = (int[])frame.Indices.Clone();
        var codes = Enumerable.Range(0, frame.Rows).Select(r => frame.Indices[r * frame.CategoricalCount + column]).ToArray();
        random.Shuffle(codes);
        for (var r = 0; r < frame.Rows; r++) indices[r * frame.CategoricalCount + column] = codes[r];
        return frame with { Indices = indices };
    }
}
