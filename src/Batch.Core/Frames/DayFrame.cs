namespace Batch.Core.Frames;

/// <summary>
/// The impressions of a day window, column by column: categorical columns as codes into a per-column
/// vocabulary of the strings seen, numeric columns as doubles (NaN where missing), and the two labels.
/// </summary>
public sealed class DayFrame
{
    public required DateOnly FirstDay { get; init; }
    public required DateOnly LastDay { get; init; }
    public required long[] Ids { get; init; }
    public required bool[] Clicked { get; init; }
    public required bool[] Converted { get; init; }
    public required IReadOnlyList<CategoricalColumn> Categorical { get; init; }
    public required IReadOnlyList<NumericColumn> Numeric { get; init; }

    public int Count => Ids.Length;
}

/// <summary>A categorical column: <c>Codes[i]</c> indexes <c>Vocabulary</c>, or is −1 where the value was null.</summary>
public sealed record CategoricalColumn(string Name, IReadOnlyList<string> Vocabulary, int[] Codes);

public sealed record NumericColumn(string Name, double[] Values);
