namespace Batch.Core.Frames;

/// <summary>
/// The impressions of a day window, column by column: categorical columns as codes into a per-column
/// vocabulary of the strings seen, numeric columns as doubles (NaN where missing), the clicked and converted labels, and any further labels the model's tasks need.
/// </summary>
public sealed class DayFrame
{
    public required DateOnly FirstDay { get; init; }
    public required DateOnly LastDay { get; init; }
    public required long[] Ids { get; init; }

    /// <summary>The data day of each impression, as days after <see cref="FirstDay"/>.</summary>
    public required short[] DayOffsets { get; init; }
    public required bool[] Clicked { get; init; }
    public required bool[] Converted { get; init; }
    public required IReadOnlyList<CategoricalColumn> Categorical { get; init; }
    public required IReadOnlyList<NumericColumn> Numeric { get; init; }

    /// <summary>The labels besides clicked and converted that the model's tasks need (<see cref="LabelKeys"/>).</summary>
    public IReadOnlyList<LabelColumn> Labels { get; init; } = [];

    public int Count => Ids.Length;

    /// <summary>
    /// The rows of days [<paramref name="first"/>, <paramref name="last"/>] of the window, as a window of their own
    /// (the vocabularies of the categorical columns are shared).
    /// </summary>
    public DayFrame Days(DateOnly first, DateOnly last)
    {
        var (from, to) = ((short)(first.DayNumber - FirstDay.DayNumber), (short)(last.DayNumber - FirstDay.DayNumber));
        var rows = Enumerable.Range(0, Count).Where(i => DayOffsets[i] >= from && DayOffsets[i] <= to).ToArray();
        T[] Pick<T>(T[] values) => rows.Select(i => values[i]).ToArray();
        return new DayFrame
        {
            FirstDay = first,
            LastDay = last,
            Ids = Pick(Ids),
            DayOffsets = rows.Select(i => (short)(DayOffsets[i] - from)).ToArray(),
            Clicked = Pick(Clicked),
            Converted = Pick(Converted),
            Categorical = Categorical.Select(c => c with { Codes = Pick(c.Codes) }).ToList(),
            Numeric = Numeric.Select(c => c with { Values = Pick(c.Values) }).ToList(),
            Labels = Labels.Select(l => l with { Values = Pick(l.Values) }).ToList(),
        };
    }

    /// <summary>The label named <paramref name="key"/> (<see cref="LabelKeys"/>) of row <paramref name="row"/>: 0/1, or the value.</summary>
    public Func<int, double> Label(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key == LabelKeys.Clicked) return i => Clicked[i] ? 1 : 0;
        if (key == LabelKeys.Converted) return i => Converted[i] ? 1 : 0;
        var column = Labels.FirstOrDefault(l => l.Key == key)
            ?? throw new InvalidOperationException($"The frame has no label '{key}' (it has clicked, converted{string.Concat(Labels.Select(l => ", " + l.Key))}): the source was read without this task's label.");
        return i => column.Values[i];
    }

    /// <summary>Impressions per day of the window, first day first; a day without rows counts 0.</summary>
    public int[] RowsPerDay()
    {
        var counts = new int[LastDay.DayNumber - FirstDay.DayNumber + 1];
        foreach (var offset in DayOffsets) counts[offset]++;
        return counts;
    }
}

/// <summary>A categorical column: <c>Codes[i]</c> indexes <c>Vocabulary</c>, or is −1 where the value was null.</summary>
public sealed record CategoricalColumn(string Name, IReadOnlyList<string> Vocabulary, int[] Codes);

public sealed record NumericColumn(string Name, double[] Values);

/// <summary>A label column: 0/1 for an event or a binary column, the value for a regression's.</summary>
public sealed record LabelColumn(string Key, float[] Values);
