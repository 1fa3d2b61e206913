using Batch.Core.Frames;
using Batch.Data.Shards;
using Xunit;

namespace Batch.Tests.Data.Shards;

public sealed class WindowBuilderTests
{
    private static readonly DateOnly D1 = new(2026, 3, 1);

    private static DayFrame Day(DateOnly day, long[] ids, string?[] colours, double[] prices) => new()
    {
        FirstDay = day,
        LastDay = day,
        Ids = ids,
        DayOffsets = new short[ids.Length],
        Clicked = ids.Select(i => i % 2 == 0).ToArray(),
        Converted = new bool[ids.Length],
        Categorical = [Column(colours)],
        Numeric = [new NumericColumn("price", prices)],
    };

    private static CategoricalColumn Column(string?[] values)
    {
        var vocabulary = values.OfType<string>().Distinct().ToList();
        return new CategoricalColumn("colour", vocabulary, values.Select(v => v is null ? -1 : vocabulary.IndexOf(v)).ToArray());
    }

    [Fact]
    public void Days_AreJoinedInOrder_WithEachValueCodedAtItsFirstAppearanceInTheWindow()
    {
        var builder = new WindowBuilder(D1, D1.AddDays(2), ["colour"], ["price"]);
        builder.Add(Day(D1, [1, 2], ["red", "blue"], [1, 2]));
        builder.Add(Day(D1.AddDays(2), [5, 6, 7], ["green", null, "red"], [5, 6, 7])); // the middle day is missing

        var window = builder.Build();
        Assert.Equal([1L, 2, 5, 6, 7], window.Ids);
        Assert.Equal([(short)0, 0, 2, 2, 2], window.DayOffsets);
        Assert.Equal(["red", "blue", "green"], window.Categorical[0].Vocabulary);
        Assert.Equal([0, 1, 2, -1, 0], window.Categorical[0].Codes);
        Assert.Equal([1.0, 2, 5, 6, 7], window.Numeric[0].Values);
        Assert.Equal([false, true, false, true, false], window.Clicked);
        Assert.Equal([2, 0, 3], window.RowsPerDay());
    }

    [Fact]
    public void DaysOutOfOrder_OrOutsideTheWindow_OrWithOtherColumns_AreRefused()
    {
        var builder = new WindowBuilder(D1, D1.AddDays(1), ["colour"], ["price"]);
        builder.Add(Day(D1.AddDays(1), [1], ["red"], [1]));
        Assert.Contains("in order", Assert.Throws<ArgumentException>(() => builder.Add(Day(D1, [2], ["red"], [1]))).Message, StringComparison.Ordinal);
        Assert.Contains("outside", Assert.Throws<ArgumentException>(() => new WindowBuilder(D1, D1, ["colour"], ["price"]).Add(Day(D1.AddDays(3), [2], ["red"], [1]))).Message, StringComparison.Ordinal);
        Assert.Contains("other columns", Assert.Throws<ArgumentException>(() => new WindowBuilder(D1, D1, ["size"], ["price"]).Add(Day(D1, [2], ["red"], [1]))).Message, StringComparison.Ordinal);
    }
}
