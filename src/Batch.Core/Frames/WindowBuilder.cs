namespace Batch.Core.Frames;

/// <summary>
/// Joins the one-day frames of a window, in day order, into one frame. A categorical value keeps the code of its
/// first appearance in the window, so the result is the frame one query over the whole window reads.
/// </summary>
public sealed class WindowBuilder
{
    private readonly DateOnly _first;
    private readonly DateOnly _last;
    private readonly List<long> _ids = [];
    private readonly List<short> _offsets = [];
    private readonly List<bool> _clicked = [];
    private readonly List<bool> _converted = [];
    private readonly string[] _categoricalNames;
    private readonly string[] _numericNames;
    private readonly Dictionary<string, int>[] _codes;
    private readonly List<int>[] _categorical;
    private readonly List<double>[] _numeric;
    private DateOnly? _previous;

    public WindowBuilder(DateOnly first, DateOnly last, IReadOnlyList<string> categorical, IReadOnlyList<string> numeric)
    {
        ArgumentNullException.ThrowIfNull(categorical);
        ArgumentNullException.ThrowIfNull(numeric);
        if (last < first) throw new ArgumentException($"Window {first}..{last} is empty.");
        (_first, _last) = (first, last);
        _categoricalNames = [.. categorical];
        _numericNames = [.. numeric];
        _codes = _categoricalNames.Select(_ => new Dictionary<string, int>(StringComparer.Ordinal)).ToArray();
        _categorical = _categoricalNames.Select(_ => new List<int>()).ToArray();
        _numeric = _numericNames.Select(_ => new List<double>()).ToArray();
    }

    public int Count => _ids.Count;

    /// <summary>Appends a one-day frame of the window; days come in order, each at most once.</summary>
    public void Add(DayFrame day)
    {
        ArgumentNullException.ThrowIfNull(day);
        if (day.FirstDay != day.LastDay) throw new ArgumentException($"Expected one day, got {day.FirstDay}..{day.LastDay}.", nameof(day));
        if (day.FirstDay < _first || day.FirstDay > _last) throw new ArgumentException($"Day {day.FirstDay} is outside the window {_first}..{_last}.", nameof(day));
        if (_previous is { } previous && day.FirstDay <= previous) throw new ArgumentException($"Day {day.FirstDay} comes after {previous}: days are added in order.", nameof(day));
        _previous = day.FirstDay;
        if (!day.Categorical.Select(c => c.Name).SequenceEqual(_categoricalNames) || !day.Numeric.Select(c => c.Name).SequenceEqual(_numericNames))
            throw new ArgumentException($"Day {day.FirstDay} has other columns than the window.", nameof(day));

        var offset = (short)(day.FirstDay.DayNumber - _first.DayNumber);
        _ids.AddRange(day.Ids);
        _offsets.AddRange(Enumerable.Repeat(offset, day.Count));
        _clicked.AddRange(day.Clicked);
        _converted.AddRange(day.Converted);
        for (var c = 0; c < _categoricalNames.Length; c++)
        {
            var column = day.Categorical[c];
            var codes = _codes[c];
            // One lookup per distinct value of the day, not per row.
            var map = column.Vocabulary.Select(value =>
            {
                if (!codes.TryGetValue(value, out var code)) codes.Add(value, code = codes.Count);
                return code;
            }).ToArray();
            var target = _categorical[c];
            target.EnsureCapacity(target.Count + day.Count);
            foreach (var code in column.Codes) target.Add(code < 0 ? -1 : map[code]);
        }
        for (var n = 0; n < _numericNames.Length; n++) _numeric[n].AddRange(day.Numeric[n].Values);
    }

    public DayFrame Build() => new()
    {
        FirstDay = _first,
        LastDay = _last,
        Ids = [.. _ids],
        DayOffsets = [.. _offsets],
        Clicked = [.. _clicked],
        Converted = [.. _converted],
        Categorical = _categoricalNames.Select((name, c) => new CategoricalColumn(name, _codes[c].OrderBy(kv => kv.Value).Select(kv => kv.Key).ToList(), [.. _categorical[c]])).ToList(),
        Numeric = _numericNames.Select((name, n) => new NumericColumn(name, [.. _numeric[n]])).ToList(),
    };
}
