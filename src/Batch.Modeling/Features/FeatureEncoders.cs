using Batch.Core.Options;
using Batch.Core.Frames;

namespace Batch.Modeling.Features;

/// <summary>
/// The fitted feature transform: per categorical column a vocabulary (index 0 is the shared slot for null,
/// rare and unseen values), per numeric column the mean and standard deviation of the training window.
/// Stored in the manifest so that serving and later evaluations encode exactly as training did.
/// </summary>
public sealed record FeatureEncoders(IReadOnlyList<CategoricalEncoder> Categorical, IReadOnlyList<NumericEncoder> Numeric)
{
    public static FeatureEncoders Fit(DayFrame frame, FeatureOptions options)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(options);
        var categorical = frame.Categorical.Select(column =>
        {
            var counts = new int[column.Vocabulary.Count];
            foreach (var code in column.Codes) if (code >= 0) counts[code]++;
            var kept = column.Vocabulary.Where((_, code) => counts[code] >= options.MinCount).Order(StringComparer.Ordinal).ToList();
            return new CategoricalEncoder(column.Name, kept);
        }).ToList();
        var numeric = frame.Numeric.Select(column =>
        {
            var finite = column.Values.Where(double.IsFinite).ToArray();
            if (finite.Length == 0) throw new InvalidOperationException($"Numeric feature {column.Name} has no finite value to fit on.");
            var mean = finite.Average();
            var std = Math.Sqrt(finite.Sum(v => (v - mean) * (v - mean)) / finite.Length);
            return new NumericEncoder(column.Name, mean, std > 1e-12 ? std : 1.0);
        }).ToList();
        return new FeatureEncoders(categorical, numeric);
    }

    /// <summary>Encodes a frame into row-major index and value arrays.</summary>
    public EncodedFrame Encode(DayFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var n = frame.Count;
        var c = Categorical.Count;
        var k = Numeric.Count;
        var indices = new long[n * c];
        for (var j = 0; j < c; j++)
        {
            var column = frame.Categorical.SingleOrDefault(col => col.Name == Categorical[j].Column)
                ?? throw new InvalidOperationException($"Frame lacks categorical feature {Categorical[j].Column}.");
            var lookup = Categorical[j].IndexOf();
            var map = column.Vocabulary.Select(v => lookup.TryGetValue(v, out var index) ? index : 0L).ToArray();
            for (var i = 0; i < n; i++) indices[i * c + j] = column.Codes[i] < 0 ? 0 : map[column.Codes[i]];
        }
        var values = new float[n * k];
        for (var j = 0; j < k; j++)
        {
            var column = frame.Numeric.SingleOrDefault(col => col.Name == Numeric[j].Column)
                ?? throw new InvalidOperationException($"Frame lacks numeric feature {Numeric[j].Column}.");
            for (var i = 0; i < n; i++) values[i * k + j] = (float)((column.Values[i] - Numeric[j].Mean) / Numeric[j].Std);
        }
        return new EncodedFrame(n, indices, c, values, k,
            frame.Clicked.Select(b => b ? 1f : 0f).ToArray(), frame.Converted.Select(b => b ? 1f : 0f).ToArray());
    }

    /// <summary>Embedding table sizes: one slot per kept value plus the shared slot 0.</summary>
    public IReadOnlyList<int> Cardinalities => Categorical.Select(e => e.Values.Count + 1).ToList();
}

public sealed record CategoricalEncoder(string Column, IReadOnlyList<string> Values)
{
    public Dictionary<string, long> IndexOf() =>
        Values.Select((v, i) => (v, i)).ToDictionary(p => p.v, p => (long)p.i + 1, StringComparer.Ordinal);
}

public sealed record NumericEncoder(string Column, double Mean, double Std);

/// <summary>A frame ready for tensors: indices [rows × categorical], values [rows × numeric], labels [rows].</summary>
public sealed record EncodedFrame(
    int Rows, long[] Indices, int CategoricalCount, float[] Values, int NumericCount, float[] Clicked, float[] Converted);
