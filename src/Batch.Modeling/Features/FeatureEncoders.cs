using Batch.Core.Frames;
using Batch.Core.Options;

namespace Batch.Modeling.Features;

/// <summary>
/// The fitted feature transform, stored in the manifest so that serving and later evaluations encode exactly as
/// training did. The model's categorical fields are, in this order: the categorical columns, the numeric columns
/// cut into quantile buckets, and the crosses; its numeric inputs are the other numeric columns, transformed and
/// standardised.
/// </summary>
public sealed record FeatureEncoders(IReadOnlyList<CategoricalEncoder> Categorical, IReadOnlyList<NumericEncoder> Numeric)
{
    public IReadOnlyList<BucketEncoder> Buckets { get; init; } = [];
    public IReadOnlyList<CrossEncoder> Crosses { get; init; } = [];

    /// <summary>Fits every encoder on <paramref name="frame"/>, the training window.</summary>
    public static FeatureEncoders Fit(DayFrame frame, FeatureOptions options)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(options);
        var categorical = frame.Categorical.Select(column =>
        {
            var o = options.For(column.Name);
            if (o.HashBuckets > 0) return new CategoricalEncoder(column.Name, [], o.HashBuckets, o.EmbeddingDim);
            var counts = new int[column.Vocabulary.Count];
            foreach (var code in column.Codes) if (code >= 0) counts[code]++;
            return new CategoricalEncoder(column.Name, CategoricalEncoder.Vocabulary(column.Vocabulary.Select((v, i) => (v, counts[i])), options.MinCount), 0, o.EmbeddingDim);
        }).ToList();
        var numeric = new List<NumericEncoder>();
        var buckets = new List<BucketEncoder>();
        foreach (var column in frame.Numeric)
        {
            var o = options.For(column.Name);
            if (o.Transform == FeatureOptions.Quantile)
            {
                buckets.Add(new BucketEncoder(column.Name, BucketEncoder.Fit(column.Values, o.QuantileBuckets), o.EmbeddingDim));
                continue;
            }
            var shape = new NumericEncoder(column.Name, 0, 1, o.Transform, o.ClipMin, o.ClipMax);
            var finite = column.Values.Where(double.IsFinite).Select(shape.Transformed).ToArray();
            if (finite.Length == 0) throw new InvalidOperationException($"Numeric feature {column.Name} has no finite value to fit on.");
            var mean = finite.Average();
            var std = Math.Sqrt(finite.Sum(v => (v - mean) * (v - mean)) / finite.Length);
            numeric.Add(shape with { Mean = mean, Std = std > 1e-12 ? std : 1.0 });
        }
        var crosses = options.Crosses.Select(cross =>
        {
            if (cross.HashBuckets > 0) return new CrossEncoder(cross.Columns, [], cross.HashBuckets, cross.EmbeddingDim);
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var key in CrossKeys(frame, cross.Columns))
                if (key is not null) counts[key] = counts.GetValueOrDefault(key) + 1;
            return new CrossEncoder(cross.Columns, CategoricalEncoder.Vocabulary(counts.Select(c => (c.Key, c.Value)), options.MinCount), 0, cross.EmbeddingDim);
        }).ToList();
        return new FeatureEncoders(categorical, numeric) { Buckets = buckets, Crosses = crosses };
    }

    /// <summary>The categorical fields' table sizes: categorical columns, quantile buckets, crosses.</summary>
    public IReadOnlyList<int> Cardinalities =>
        [.. Categorical.Select(e => e.Cardinality), .. Buckets.Select(e => e.Cardinality), .. Crosses.Select(e => e.Cardinality)];

    /// <summary>The fields' embedding sizes; 0 where the architecture's size applies.</summary>
    public IReadOnlyList<int> EmbeddingDims =>
        [.. Categorical.Select(e => e.EmbeddingDim), .. Buckets.Select(e => e.EmbeddingDim), .. Crosses.Select(e => e.EmbeddingDim)];

    /// <summary>The fields' names, in order.</summary>
    public IReadOnlyList<string> FieldNames => [.. Categorical.Select(e => e.Column), .. Buckets.Select(e => e.Column), .. Crosses.Select(e => e.Name)];

    /// <summary>Every impression column the encoders read, categorical then numeric.</summary>
    public FeatureOptions Columns() => new()
    {
        Categorical = [.. Categorical.Select(e => e.Column)],
        Numeric = [.. Numeric.Select(e => e.Column), .. Buckets.Select(e => e.Column)],
    };

    /// <summary>Encodes a frame into row-major field indices and numeric values.</summary>
    public EncodedFrame Encode(DayFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var n = frame.Count;
        var c = Categorical.Count + Buckets.Count + Crosses.Count;
        // Table rows fit in an int: half the memory of longs for the largest array a run holds.
        var indices = new int[n * c];
        var field = 0;
        foreach (var encoder in Categorical)
        {
            var column = Column(frame, encoder.Column);
            var index = encoder.Indexer();
            // One lookup per distinct value, not per row.
            var map = column.Vocabulary.Select(v => checked((int)index(v))).ToArray();
            for (var i = 0; i < n; i++) indices[i * c + field] = column.Codes[i] < 0 ? 0 : map[column.Codes[i]];
            field++;
        }
        foreach (var encoder in Buckets)
        {
            var values = NumericColumn(frame, encoder.Column).Values;
            for (var i = 0; i < n; i++) indices[i * c + field] = checked((int)encoder.Index(values[i]));
            field++;
        }
        foreach (var encoder in Crosses)
        {
            var index = encoder.Indexer();
            var keys = CrossKeys(frame, encoder.Columns);
            var cache = new Dictionary<string, long>(StringComparer.Ordinal);
            for (var i = 0; i < n; i++)
            {
                var key = keys[i];
                if (key is null) continue; // slot 0
                if (!cache.TryGetValue(key, out var slot)) cache[key] = slot = index(key);
                indices[i * c + field] = checked((int)slot);
            }
            field++;
        }
        var k = Numeric.Count;
        var numbers = new float[n * k];
        for (var j = 0; j < k; j++)
        {
            var values = NumericColumn(frame, Numeric[j].Column).Values;
            for (var i = 0; i < n; i++) numbers[i * k + j] = Numeric[j].Encode(values[i]);
        }
        return new EncodedFrame(n, indices, c, numbers, k,
            frame.Clicked.Select(b => b ? 1f : 0f).ToArray(), frame.Converted.Select(b => b ? 1f : 0f).ToArray());
    }

    private static string?[] CrossKeys(DayFrame frame, IReadOnlyList<string> columns)
    {
        var parts = columns.Select(name => Column(frame, name)).ToArray();
        var keys = new string?[frame.Count];
        for (var i = 0; i < frame.Count; i++)
            keys[i] = CrossEncoder.Key(parts.Select(p => p.Codes[i] < 0 ? null : p.Vocabulary[p.Codes[i]]));
        return keys;
    }

    private static CategoricalColumn Column(DayFrame frame, string name) =>
        frame.Categorical.SingleOrDefault(col => col.Name == name) ?? throw new InvalidOperationException($"Frame lacks categorical feature {name}.");

    private static NumericColumn NumericColumn(DayFrame frame, string name) =>
        frame.Numeric.SingleOrDefault(col => col.Name == name) ?? throw new InvalidOperationException($"Frame lacks numeric feature {name}.");
}

/// <summary>A frame ready for tensors: indices [rows × fields] (table rows, int32; the model reads them as int64), values [rows × numeric], labels [rows].</summary>
public sealed record EncodedFrame(
    int Rows, int[] Indices, int CategoricalCount, float[] Values, int NumericCount, float[] Clicked, float[] Converted);
