using Batch.Core.Frames;
using Batch.Core.Options;
using Batch.Data.Extraction;

namespace Batch.Data.Shards;

/// <summary>
/// Joins the frames of a window's days (whole, or in parts), in order, into one frame. A categorical value keeps the
/// code of its first appearance in the window, so the result is the frame one query over the whole window reads.
/// </summary>
public sealed class WindowBuilder
{
    private readonly DateOnly _first;
    private readonly DateOnly _last;
    private readonly IReadOnlyList<string> _categorical;
    private readonly IReadOnlyList<string> _numeric;
    private readonly IReadOnlyList<string> _labels;
    private readonly FrameRows _rows;
    private readonly Dictionary<string, int>[] _codes;
    private readonly List<string>[] _vocabularies;
    private DateOnly? _previous;

    /// <param name="labels">the keys of the further labels every day carries (none by default)</param>
    public WindowBuilder(DateOnly first, DateOnly last, IReadOnlyList<string> categorical, IReadOnlyList<string> numeric, IReadOnlyList<string>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(categorical);
        ArgumentNullException.ThrowIfNull(numeric);
        if (last < first) throw new ArgumentException($"Window {first}..{last} is empty.");
        (_first, _last, _categorical, _numeric, _labels) = (first, last, [.. categorical], [.. numeric], [.. labels ?? []]);
        _rows = new FrameRows(new FeatureOptions { Categorical = [.. categorical], Numeric = [.. numeric] }, _labels);
        _codes = _categorical.Select(_ => new Dictionary<string, int>(StringComparer.Ordinal)).ToArray();
        _vocabularies = _categorical.Select(_ => new List<string>()).ToArray();
    }

    public int Count => _rows.Count;

    /// <summary>Appends a one-day frame (a whole day or a part of one) of the window; days come in order, a day's parts one after another.</summary>
    public void Add(DayFrame day)
    {
        ArgumentNullException.ThrowIfNull(day);
        if (day.FirstDay != day.LastDay) throw new ArgumentException($"Expected one day, got {day.FirstDay}..{day.LastDay}.", nameof(day));
        if (day.FirstDay < _first || day.FirstDay > _last) throw new ArgumentException($"Day {day.FirstDay} is outside the window {_first}..{_last}.", nameof(day));
        if (_previous is { } previous && day.FirstDay < previous) throw new ArgumentException($"Day {day.FirstDay} comes after {previous}: days are added in order.", nameof(day));
        _previous = day.FirstDay;
        if (!day.Categorical.Select(c => c.Name).SequenceEqual(_categorical) || !day.Numeric.Select(c => c.Name).SequenceEqual(_numeric)
            || !day.Labels.Select(l => l.Key).SequenceEqual(_labels))
            throw new ArgumentException($"Day {day.FirstDay} has other columns than the window.", nameof(day));

        var offset = (short)(day.FirstDay.DayNumber - _first.DayNumber);
        // One lookup per distinct value of the day, not per row.
        var maps = day.Categorical.Select((column, c) => column.Vocabulary.Select(value =>
        {
            if (!_codes[c].TryGetValue(value, out var code))
            {
                _codes[c].Add(value, code = _vocabularies[c].Count);
                _vocabularies[c].Add(value);
            }
            return code;
        }).ToArray()).ToArray();
        for (var i = 0; i < day.Count; i++)
        {
            _rows.Row(day.Ids[i], offset, day.Clicked[i], day.Converted[i]);
            for (var l = 0; l < day.Labels.Count; l++) _rows.Label(l, day.Labels[l].Values[i]);
            for (var c = 0; c < maps.Length; c++) _rows.Categorical(c, day.Categorical[c].Codes[i] < 0 ? -1 : maps[c][day.Categorical[c].Codes[i]]);
            for (var n = 0; n < day.Numeric.Count; n++) _rows.Numeric(n, day.Numeric[n].Values[i]);
        }
    }

    public DayFrame Build() => _rows.Frame(_first, _last, _vocabularies);
}
