using Batch.Core.Frames;
using Batch.Core.Options;

namespace Batch.Data.Validation;

/// <summary>
/// What the row checks need of a window, gathered one part (a day, or the whole frame) at a time: counts, labels,
/// rows per day, and the first offending ids of each row check. Nothing in it grows with the rows.
/// </summary>
/// <param name="features">the profile's features: with them, the numeric columns are also summed up after their transforms</param>
public sealed class RowSummary(DateOnly first, DateOnly last, FeatureOptions? features = null)
{
    /// <summary>Offending ids kept per check: one more than a finding shows, so it can say there are more.</summary>
    private const int Kept = ValidationFinding.Shown + 1;

    private readonly List<(string Column, int Count, List<long> First)> _nonFinite = [];
    private readonly List<long> _orphans = [];
    private readonly List<(string Column, int[] PerDay, List<long>[] First)> _nulls = [];
    private readonly List<NumericSummary> _numeric = [];
    private readonly Dictionary<string, long> _labels = new(StringComparer.Ordinal);

    public DateOnly FirstDay { get; } = first;
    public DateOnly LastDay { get; } = last;
    public long Count { get; private set; }
    public long Clicks { get; private set; }
    public long Conversions { get; private set; }
    public int[] RowsPerDay { get; } = new int[last.DayNumber - first.DayNumber + 1];
    /// <summary>Per further label of the frames (<see cref="DayFrame.Labels"/>, by key): rows with the event, or with a value above 0.</summary>
    public IReadOnlyDictionary<string, long> LabelPositives => _labels;

    public int OrphanCount { get; private set; }
    public IReadOnlyList<long> FirstOrphans => _orphans;

    /// <summary>Per numeric column, in order: impressions with a missing or non-finite value, and the first of their ids.</summary>
    public IReadOnlyList<(string Column, int Count, List<long> First)> NonFinite => _nonFinite;

    /// <summary>Per categorical column, in order: its nulls on each day of the window, and the first of their ids per day.</summary>
    public IReadOnlyList<(string Column, int[] PerDay, List<long>[] First)> Nulls => _nulls;

    /// <summary>Per numeric column, after its transform (given the features): what it cannot take, its moments, its largest values.</summary>
    public IReadOnlyList<NumericSummary> Numeric => _numeric;

    public static RowSummary Of(DayFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var summary = new RowSummary(frame.FirstDay, frame.LastDay);
        summary.Add(frame);
        return summary;
    }

    /// <summary>Adds a part of the window; parts come in row order.</summary>
    public void Add(DayFrame part)
    {
        ArgumentNullException.ThrowIfNull(part);
        if (part.FirstDay < FirstDay || part.LastDay > LastDay) throw new ArgumentException($"Part {part.FirstDay}..{part.LastDay} is outside {FirstDay}..{LastDay}.", nameof(part));
        if (_nonFinite.Count == 0) _nonFinite.AddRange(part.Numeric.Select(c => (c.Name, 0, new List<long>())));
        if (_nulls.Count == 0)
            _nulls.AddRange(part.Categorical.Select(c => (c.Name, new int[RowsPerDay.Length], RowsPerDay.Select(_ => new List<long>()).ToArray())));
        if (_numeric.Count == 0 && features is not null) _numeric.AddRange(part.Numeric.Select(c => new NumericSummary(c.Name, features.For(c.Name))));
        var shift = part.FirstDay.DayNumber - FirstDay.DayNumber;
        for (var i = 0; i < part.Count; i++)
        {
            RowsPerDay[shift + part.DayOffsets[i]]++;
            if (part.Clicked[i]) Clicks++;
            if (part.Converted[i]) Conversions++;
            if (part.Converted[i] && !part.Clicked[i])
            {
                OrphanCount++;
                if (_orphans.Count < Kept) _orphans.Add(part.Ids[i]);
            }
        }
        foreach (var label in part.Labels)
            _labels[label.Key] = _labels.GetValueOrDefault(label.Key) + label.Values.Count(v => v > 0);
        for (var n = 0; n < part.Numeric.Count; n++)
        {
            var (column, count, firstIds) = _nonFinite[n];
            var values = part.Numeric[n].Values;
            for (var i = 0; i < values.Length; i++)
            {
                if (double.IsFinite(values[i])) continue;
                count++;
                if (firstIds.Count < Kept) firstIds.Add(part.Ids[i]);
            }
            _nonFinite[n] = (column, count, firstIds);
        }
        for (var c = 0; c < part.Categorical.Count; c++)
        {
            var (_, perDay, firstIds) = _nulls[c];
            var codes = part.Categorical[c].Codes;
            for (var i = 0; i < codes.Length; i++)
            {
                if (codes[i] >= 0) continue;
                var d = shift + part.DayOffsets[i];
                perDay[d]++;
                if (firstIds[d].Count < Kept) firstIds[d].Add(part.Ids[i]);
            }
        }
        if (_numeric.Count > 0)
        {
            if (part.FirstDay != part.LastDay) throw new ArgumentException("The numeric summary takes one day at a time.", nameof(part));
            for (var n = 0; n < part.Numeric.Count; n++) _numeric[n].Add(part.FirstDay, part.Ids, part.Numeric[n].Values);
        }
        Count += part.Count;
    }
}
