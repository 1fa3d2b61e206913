namespace Batch.Modeling.Features;

/// <summary>
/// A frame ready for tensors: indices [rows × fields] (table rows, int32; the model reads them as int64), values
/// [rows × numeric], and targets [rows × tasks] (0/1 for a binary task, log1p of the value for a regression).
/// </summary>
public sealed record EncodedFrame(
    int Rows, int[] Indices, int CategoricalCount, float[] Values, int NumericCount, float[] Targets, int TaskCount) : IEncodedRows
{
    /// <summary>Summed when asked (a copy made with <c>with</c> has its own targets).</summary>
    public IReadOnlyList<double> TargetSums => EncodedRows.Sums(Targets, TaskCount);

    /// <summary>Task <paramref name="task"/>'s target of row <paramref name="row"/>.</summary>
    public float Target(int row, int task) => Targets[row * TaskCount + task];

    /// <summary>Task <paramref name="task"/>'s target of every row.</summary>
    public float[] TargetsOf(int task) => [.. Enumerable.Range(0, Rows).Select(r => Target(r, task))];

    public EncodedBatch Read(ReadOnlySpan<int> rows)
    {
        var into = new EncodedBatch(rows.Length, CategoricalCount, NumericCount, TaskCount);
        var (c, k, t) = (CategoricalCount, NumericCount, TaskCount);
        for (var b = 0; b < rows.Length; b++)
        {
            var r = rows[b];
            Indices.AsSpan(r * c, c).CopyTo(into.Indices.AsSpan(b * c, c));
            Values.AsSpan(r * k, k).CopyTo(into.Values.AsSpan(b * k, k));
            Targets.AsSpan(r * t, t).CopyTo(into.Targets.AsSpan(b * t, t));
        }
        return into;
    }
}
