using Batch.Core.Options;

namespace Batch.Modeling.Features;

/// <summary>
/// A categorical column: a vocabulary (slot 0 for null, rare and unseen values, then one slot per kept value in
/// ordinal order), or, with <paramref name="HashBuckets"/>, slot 1 + FNV-1a(value) mod buckets.
/// </summary>
public sealed record CategoricalEncoder(string Column, IReadOnlyList<string> Values, int HashBuckets = 0, int EmbeddingDim = 0)
{
    public int Cardinality => HashBuckets > 0 ? HashBuckets + 1 : Values.Count + 1;

    public Func<string?, long> Indexer()
    {
        if (HashBuckets > 0) return v => v is null ? 0 : StableHash.Bucket(v, HashBuckets);
        var lookup = Values.Select((v, i) => (v, i)).ToDictionary(p => p.v, p => (long)p.i + 1, StringComparer.Ordinal);
        return v => v is not null && lookup.TryGetValue(v, out var index) ? index : 0;
    }

    /// <summary>The vocabulary of a column (or a cross): values seen at least <paramref name="minCount"/> times, ordinal order.</summary>
    public static IReadOnlyList<string> Vocabulary(IEnumerable<(string Value, int Count)> counts, int minCount) =>
        counts.Where(c => c.Count >= minCount).Select(c => c.Value).Order(StringComparer.Ordinal).ToList();
}

/// <summary>
/// A numeric column: transformed (<c>none</c>, <c>log1p</c>, or <c>clip</c> to [min, max]), then standardised with
/// the mean and standard deviation of the transformed training window.
/// </summary>
public sealed record NumericEncoder(string Column, double Mean, double Std, string Transform = FeatureOptions.None, double? ClipMin = null, double? ClipMax = null)
{
    public double Transformed(double value) =>
        NumericTransform.Apply(Transform, ClipMin, ClipMax, value)
        ?? throw new InvalidDataException($"Numeric feature {Column} has the value {value}; {Transform} needs {NumericTransform.Domain(Transform)} (use clip instead).");

    public float Encode(double value) => (float)((Transformed(value) - Mean) / Std);
}

/// <summary>
/// A numeric column used as a category: bucket 1 + the number of edges at or below the value, from edges at the
/// training window's quantiles; slot 0 for a missing value.
/// </summary>
public sealed record BucketEncoder(string Column, IReadOnlyList<double> Edges, int EmbeddingDim = 0)
{
    public int Cardinality => Edges.Count + 2;

    public long Index(double value) => double.IsFinite(value) ? 1 + QuantileEdges.Below(Edges, value) : 0;
}

/// <summary>
/// A cross of categorical columns: their raw values joined with U+001F, then a vocabulary or hash buckets like a
/// categorical column; null when any part is null.
/// </summary>
public sealed record CrossEncoder(IReadOnlyList<string> Columns, IReadOnlyList<string> Values, int HashBuckets = 0, int EmbeddingDim = 0)
{
    public const char Separator = '\u001f';

    public string Name => string.Join("×", Columns);

    public int Cardinality => HashBuckets > 0 ? HashBuckets + 1 : Values.Count + 1;

    public Func<string?, long> Indexer() => new CategoricalEncoder(Name, Values, HashBuckets).Indexer();

    public static string? Key(IEnumerable<string?> parts)
    {
        var list = parts.ToList();
        return list.Any(p => p is null) ? null : string.Join(Separator, list);
    }
}
