using Batch.Core.Options;

namespace Batch.Data.Validation;

/// <summary>
/// One numeric feature column of a window after its transform, gathered part by part: the values the transform cannot
/// take, and the moments the encoder's standardisation is fitted from, with the largest values and their rows — so that
/// a value that would break the feature (log1p of −2, a price of 1e300 that makes the standard deviation infinite) is
/// named with its day and id before anything trains. Nothing in it grows with the rows.
/// </summary>
public sealed class NumericSummary(string column, ColumnOptions options)
{
    /// <summary>Rows kept per list: one more than a finding shows, so it can say there are more.</summary>
    private const int Kept = ValidationFinding.Shown + 1;

    private readonly List<(long Id, DateOnly Day, double Value)> _outside = [];
    private readonly List<(long Id, DateOnly Day, double Value, double Transformed)> _largest = [];

    public string Column { get; } = column;
    public string Transform { get; } = options.Transform;

    /// <summary>Whether the column is standardised (a quantile column is cut into buckets instead).</summary>
    public bool Standardised => options.Transform != FeatureOptions.Quantile;

    /// <summary>Finite values the transform cannot take, or turns into a non-finite number.</summary>
    public int OutsideCount { get; private set; }

    public IReadOnlyList<(long Id, DateOnly Day, double Value)> FirstOutside => _outside;

    /// <summary>The rows with the largest transformed magnitude, largest first.</summary>
    public IReadOnlyList<(long Id, DateOnly Day, double Value, double Transformed)> Largest => _largest;

    public long Count { get; private set; }
    public double Mean { get; private set; }

    /// <summary>The sum of squared deviations from the mean (M2 of Welford and Chan).</summary>
    public double SquaredDeviations { get; private set; }

    public double Std => Count == 0 ? 0 : Math.Sqrt(SquaredDeviations / Count);

    /// <summary>Adds the finite values of one part (non-finite raw values are the <c>finite-</c> check's).</summary>
    public void Add(DateOnly day, long[] ids, double[] values)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(values);
        if (!Standardised) return;
        long n = 0;
        double sum = 0;
        var transformed = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            transformed[i] = double.NaN;
            if (!double.IsFinite(values[i])) continue;
            var t = NumericTransform.Apply(options.Transform, options.ClipMin, options.ClipMax, values[i]);
            if (t is not { } v || !double.IsFinite(v))
            {
                OutsideCount++;
                if (_outside.Count < Kept) _outside.Add((ids[i], day, values[i]));
                continue;
            }
            transformed[i] = v;
            Keep(ids[i], day, values[i], v);
            n++;
            sum += v;
        }
        if (n == 0) return;
        // Chan et al.'s merge of the part's count, mean and squared deviations into the window's.
        var mean = sum / n;
        double m2 = 0;
        foreach (var v in transformed) if (double.IsFinite(v)) m2 += (v - mean) * (v - mean);
        var total = Count + n;
        var delta = mean - Mean;
        SquaredDeviations += m2 + (Count == 0 ? 0 : delta * delta * Count * n / total); // (∞ · 0 would be NaN)
        Mean += delta * n / total;
        Count = total;
    }

    private void Keep(long id, DateOnly day, double value, double transformed)
    {
        if (_largest.Count == Kept && Math.Abs(transformed) <= Math.Abs(_largest[^1].Transformed)) return;
        var at = _largest.FindIndex(l => Math.Abs(l.Transformed) < Math.Abs(transformed));
        _largest.Insert(at < 0 ? _largest.Count : at, (id, day, value, transformed));
        if (_largest.Count > Kept) _largest.RemoveAt(Kept);
    }
}
