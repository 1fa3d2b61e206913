namespace Batch.Modeling.Features;

/// <summary>A frame ready for tensors: indices [rows × fields] (table rows, int32; the model reads them as int64), values [rows × numeric], labels [rows].</summary>
public sealed record EncodedFrame(
    int Rows, int[] Indices, int CategoricalCount, float[] Values, int NumericCount, float[] Clicked, float[] Converted) : IEncodedRows
{
    public (double Clicks, double Conversions) Outcomes => (Clicked.Sum(c => (double)c), Converted.Sum(c => (double)c));

    public EncodedBatch Read(ReadOnlySpan<int> rows)
    {
        var into = new EncodedBatch(rows.Length, CategoricalCount, NumericCount);
        var (c, k) = (CategoricalCount, NumericCount);
        for (var b = 0; b < rows.Length; b++)
        {
            var r = rows[b];
            Indices.AsSpan(r * c, c).CopyTo(into.Indices.AsSpan(b * c, c));
            Values.AsSpan(r * k, k).CopyTo(into.Values.AsSpan(b * k, k));
            into.Clicked[b] = Clicked[r];
            into.Converted[b] = Converted[r];
        }
        return into;
    }
}
