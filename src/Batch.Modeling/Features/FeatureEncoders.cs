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
    public static FeatureEncoders Fit(DayFrame frame, FeatureOptions options) => Fit([frame], options);

    /// <summary>
    /// Fits every encoder on the training window given as parts (its days), one part at a time: what is kept between
    /// parts is per distinct value (counts) or per column (moments), except the values of quantile-bucketed columns,
    /// whose edges need them all.
    /// </summary>
    public static FeatureEncoders Fit(IEnumerable<DayFrame> parts, FeatureOptions options)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(options);
        var fit = new Fitting(options);
        foreach (var part in parts) fit.Add(part);
        return fit.Result();
    }

    /// <summary>What fitting keeps between the parts of a window.</summary>
    private sealed class Fitting(FeatureOptions options)
    {
        private Dictionary<string, int>[] _counts = [];
        private readonly Dictionary<string, (long N, double Mean, double M2)> _moments = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<double>> _quantileValues = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int>[] _crossCounts = options.Crosses.Select(_ => new Dictionary<string, int>(StringComparer.Ordinal)).ToArray();
        private IReadOnlyList<string>? _categorical;
        private IReadOnlyList<string>? _numeric;

        public void Add(DayFrame frame)
        {
            ArgumentNullException.ThrowIfNull(frame);
            if (_categorical is null)
            {
                _categorical = frame.Categorical.Select(c => c.Name).ToList();
                _counts = _categorical.Select(_ => new Dictionary<string, int>(StringComparer.Ordinal)).ToArray();
            }
            _numeric ??= frame.Numeric.Select(c => c.Name).ToList();
            if (!frame.Categorical.Select(c => c.Name).SequenceEqual(_categorical) || !frame.Numeric.Select(c => c.Name).SequenceEqual(_numeric))
                throw new ArgumentException("The parts of a window have the same columns.", nameof(frame));
            for (var c = 0; c < frame.Categorical.Count; c++)
            {
                var column = frame.Categorical[c];
                if (options.For(column.Name).HashBuckets > 0) continue;
                var perCode = new int[column.Vocabulary.Count];
                foreach (var code in column.Codes) if (code >= 0) perCode[code]++;
                var counts = _counts[c];
                for (var v = 0; v < perCode.Length; v++)
                    if (perCode[v] > 0) counts[column.Vocabulary[v]] = counts.GetValueOrDefault(column.Vocabulary[v]) + perCode[v];
            }
            foreach (var column in frame.Numeric)
            {
                var o = options.For(column.Name);
                if (o.Transform == FeatureOptions.Quantile)
                {
                    if (!_quantileValues.TryGetValue(column.Name, out var values)) _quantileValues[column.Name] = values = [];
                    values.AddRange(column.Values.Where(double.IsFinite));
                    continue;
                }
                var shape = new NumericEncoder(column.Name, 0, 1, o.Transform, o.ClipMin, o.ClipMax);
                var finite = column.Values.Where(double.IsFinite).Select(shape.Transformed).ToArray();
                if (finite.Length == 0) continue;
                var mean = finite.Average();
                var m2 = finite.Sum(v => (v - mean) * (v - mean));
                // Chan et al.'s merge of two parts' counts, means and squared deviations.
                var (n, m, s) = _moments.GetValueOrDefault(column.Name);
                var total = n + finite.Length;
                var delta = mean - m;
                _moments[column.Name] = (total, m + delta * finite.Length / total, s + m2 + delta * delta * n * finite.Length / total);
            }
            for (var x = 0; x < options.Crosses.Count; x++)
            {
                var cross = options.Crosses[x];
                if (cross.HashBuckets > 0) continue;
                var counts = _crossCounts[x];
                foreach (var key in CrossKeys(frame, cross.Columns))
                    if (key is not null) counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }

        public FeatureEncoders Result()
        {
            if (_categorical is null || _numeric is null) throw new InvalidOperationException("Nothing to fit the encoders on: the window has no parts.");
            var categorical = _categorical.Select((name, c) =>
            {
                var o = options.For(name);
                return o.HashBuckets > 0
                    ? new CategoricalEncoder(name, [], o.HashBuckets, o.EmbeddingDim)
                    : new CategoricalEncoder(name, CategoricalEncoder.Vocabulary(_counts[c].Select(kv => (kv.Key, kv.Value)), options.MinCount), 0, o.EmbeddingDim);
            }).ToList();
            var numeric = new List<NumericEncoder>();
            var buckets = new List<BucketEncoder>();
            foreach (var name in _numeric)
            {
                var o = options.For(name);
                if (o.Transform == FeatureOptions.Quantile)
                {
                    buckets.Add(new BucketEncoder(name, QuantileEdges.Fit(_quantileValues.GetValueOrDefault(name) ?? [], o.QuantileBuckets), o.EmbeddingDim));
                    continue;
                }
                if (!_moments.TryGetValue(name, out var moments)) throw new InvalidOperationException($"Numeric feature {name} has no finite value to fit on.");
                var std = Math.Sqrt(moments.M2 / moments.N);
                // Validation refuses such a window first; a standardisation by ∞ would zero the feature without a word.
                if (!double.IsFinite(moments.Mean) || !double.IsFinite(std))
                    throw new InvalidDataException($"Numeric feature {name} cannot be standardised: its fitted mean is {moments.Mean} and its standard deviation {std}. Clip the column (Transform clip) or fix its values.");
                numeric.Add(new NumericEncoder(name, moments.Mean, std > 1e-12 ? std : 1.0, o.Transform, o.ClipMin, o.ClipMax));
            }
            var crosses = options.Crosses.Select((cross, x) => cross.HashBuckets > 0
                ? new CrossEncoder(cross.Columns, [], cross.HashBuckets, cross.EmbeddingDim)
                : new CrossEncoder(cross.Columns, CategoricalEncoder.Vocabulary(_crossCounts[x].Select(c => (c.Key, c.Value)), options.MinCount), 0, cross.EmbeddingDim)).ToList();
            return new FeatureEncoders(categorical, numeric) { Buckets = buckets, Crosses = crosses };
        }
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

    /// <summary>Encodes a frame into row-major field indices and numeric values (see <see cref="FrameEncoder"/> for many frames).</summary>
    /// <param name="tasks">the tasks whose targets each row carries; null for <see cref="Training.TaskSet.Default"/></param>
    public EncodedFrame Encode(DayFrame frame, Training.TaskSet? tasks = null) => new FrameEncoder(this, tasks).Encode(frame);

    internal static string?[] CrossKeys(DayFrame frame, IReadOnlyList<string> columns)
    {
        var parts = columns.Select(name => Column(frame, name)).ToArray();
        var keys = new string?[frame.Count];
        for (var i = 0; i < frame.Count; i++)
            keys[i] = CrossEncoder.Key(parts.Select(p => p.Codes[i] < 0 ? null : p.Vocabulary[p.Codes[i]]));
        return keys;
    }

    internal static CategoricalColumn Column(DayFrame frame, string name) =>
        frame.Categorical.SingleOrDefault(col => col.Name == name) ?? throw new InvalidOperationException($"Frame lacks categorical feature {name}.");

    internal static NumericColumn NumericColumn(DayFrame frame, string name) =>
        frame.Numeric.SingleOrDefault(col => col.Name == name) ?? throw new InvalidOperationException($"Frame lacks numeric feature {name}.");
}
