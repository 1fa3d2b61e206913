using Batch.Core.Frames;
using Batch.Core.Options;
using Batch.Data.Validation;
using Xunit;

namespace Batch.Tests.Data.Validation;

public class ContentChecksTests
{
    private static readonly DateOnly Day = new(2026, 1, 10);

    [Fact]
    public void DuplicateContent_CountsTheRowsThatRepeatAnEarlierRowOfTheirDay_AndNamesBoth()
    {
        // Ten rows; ids 105 and 108 repeat 101's content, 109 repeats 103's: 3 of 10 rows.
        long[] keys = [7, 1, 8, 2, 7, 4, 5, 7, 8, 9];
        var ids = Enumerable.Range(101, 10).Select(i => (long)i).ToArray();
        var finding = Assert.Single(ContentChecks.DuplicateContent([(Day, keys, ids), (Day.AddDays(1), [1, 2, 3], [201, 202, 203])], 0.01));
        Assert.Equal(
            "[duplicate-content] training window and held-out day 2026-01-10..2026-01-11: 1 days have rows repeating another row's event time and every feature column under another id (the day loaded twice?) (threshold: at most 1.0 % of a day's rows); first offending: 2026-01-10 (3 of 10 rows, 30.0 %: id 105 repeats id 101, id 108 repeats id 101, id 109 repeats id 103)",
            finding.ToString());
    }

    [Fact]
    public void DuplicateContent_AtOrBelowTheShare_IsNoFinding()
    {
        long[] keys = [.. Enumerable.Range(0, 99).Select(i => (long)i), 5];
        Assert.Empty(ContentChecks.DuplicateContent([(Day, keys, keys.Select((_, i) => (long)i).ToArray())], 0.01)); // 1 of 100
        Assert.Single(ContentChecks.DuplicateContent([(Day, keys, keys.Select((_, i) => (long)i).ToArray())], 0.009));
    }

    private static DayFrame Part(DateOnly day, int n, int nullFrom, long firstId, double[]? activity = null) => new()
    {
        FirstDay = day,
        LastDay = day,
        Ids = Enumerable.Range(0, n).Select(i => firstId + i).ToArray(),
        DayOffsets = new short[n],
        Clicked = new bool[n],
        Converted = new bool[n],
        Categorical = [new CategoricalColumn("user_segment", ["a"], Enumerable.Range(0, n).Select(i => i >= nullFrom ? -1 : 0).ToArray())],
        Numeric = [new NumericColumn("user_activity", activity ?? Enumerable.Repeat(1.0, n).ToArray())],
    };

    private static RowSummary Window(FeatureOptions features, params DayFrame[] days)
    {
        var summary = new RowSummary(days[0].FirstDay, days[^1].FirstDay, features);
        foreach (var day in days) summary.Add(day);
        return summary;
    }

    private static readonly FeatureOptions Log1p = new()
    {
        Categorical = ["user_segment"], Numeric = ["user_activity"], Columns = { ["user_activity"] = new ColumnOptions { Transform = FeatureOptions.Log1p } },
    };

    [Fact]
    public void NullShares_NameADayFarAboveTheWindowsMedianDay_WithItsShareAndIds()
    {
        // Nulls on 2 % of each day's rows, but on 12 % of the third day's: 10 points above the median day's 2 %.
        var window = Window(Log1p, Part(Day, 100, 98, 1000), Part(Day.AddDays(1), 100, 98, 2000), Part(Day.AddDays(2), 100, 88, 3000), Part(Day.AddDays(3), 100, 98, 4000));
        var held = Window(Log1p, Part(Day.AddDays(4), 100, 98, 5000));
        var finding = Assert.Single(ContentChecks.NullShares(window, held, 0.05));
        Assert.Equal(
            "[null-share-user_segment] training window and held-out day 2026-01-10..2026-01-14: 1 days have user_segment null in a larger share of their impressions than the window's median day (2.0 %) (threshold: at most 5.0 % more than the median day); first offending: 2026-01-12 (12.0 %: ids 3088, 3089, 3090, 3091, 3092, …)",
            finding.ToString());
        Assert.Empty(ContentChecks.NullShares(window, held, 0.10));
    }

    [Fact]
    public void NullShares_OfTheHeldOutDay_AreJudgedAgainstTheWindow()
    {
        var window = Window(Log1p, Part(Day, 100, 100, 1000), Part(Day.AddDays(1), 100, 100, 2000));
        var held = Window(Log1p, Part(Day.AddDays(2), 100, 90, 3000));
        Assert.Contains("first offending: 2026-01-12 (10.0 %: ids 3090", Assert.Single(ContentChecks.NullShares(window, held, 0.05)).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Numeric_NamesAValueLog1pCannotTake_WithItsDayAndId_InTheWindowOrTheHeldOutDay()
    {
        var window = Window(Log1p, Part(Day, 3, 3, 10, [1, -2, 3]));
        var held = Window(Log1p, Part(Day.AddDays(1), 2, 2, 20, [-1, 0.5]));
        var finding = Assert.Single(ContentChecks.Numeric(window, held));
        Assert.Equal(
            "[transform-user_activity] training window and held-out day 2026-01-10..2026-01-11: 2 impressions have a user_activity that log1p cannot take (threshold: values above −1 (or Features:Columns:user_activity:Transform clip)); first offending: ids 11 (2026-01-10, -2), 20 (2026-01-11, -1)",
            finding.ToString());
    }

    [Fact]
    public void Numeric_AValueWhoseSquareOverflows_MakesTheStandardisationInfinite_AndIsNamed()
    {
        var none = new FeatureOptions { Categorical = ["user_segment"], Numeric = ["user_activity"] };
        var window = Window(none, Part(Day, 4, 4, 10, [1, 2, 1e300, 3]));
        var finding = Assert.Single(ContentChecks.Numeric(window, Window(none, Part(Day.AddDays(1), 1, 1, 20, [1]))));
        Assert.Equal("standardise-user_activity", finding.Check);
        Assert.Equal("user_activity after none has mean 2.5E+299 and standard deviation Infinity, which cannot standardise it", finding.Observed);
        Assert.Equal("largest: 1E+300 (id 12, 2026-01-10), 3 (id 13, 2026-01-10), 2 (id 11, 2026-01-10), 1 (id 10, 2026-01-10)", finding.Offending);
    }

    [Fact]
    public void Numeric_AHeldOutValueBeyondWhatAFloatHoldsOnceStandardised_IsNamed()
    {
        var none = new FeatureOptions { Categorical = ["user_segment"], Numeric = ["user_activity"] };
        var window = Window(none, Part(Day, 3, 3, 10, [1, 2, 3]));
        var finding = Assert.Single(ContentChecks.Numeric(window, Window(none, Part(Day.AddDays(1), 2, 2, 20, [2, 1e300]))));
        Assert.Equal(("standardise-user_activity", "held-out day 2026-01-11", "largest: 1E+300 (id 21, 2026-01-11)"), (finding.Check, finding.Subject, finding.Offending));
        Assert.Empty(ContentChecks.Numeric(window, Window(none, Part(Day.AddDays(1), 2, 2, 20, [2, 1e30]))));
    }

    [Fact]
    public void NumericSummary_Moments_AreThoseOfTheTransformedValues_MergedOverParts()
    {
        // log1p of e − 1, e² − 1, e³ − 1 and e⁴ − 1 is 1, 2, 3, 4: mean 2.5, population variance 1.25.
        var summary = new NumericSummary("x", new ColumnOptions { Transform = FeatureOptions.Log1p });
        summary.Add(Day, [1, 2], [Math.E - 1, Math.Exp(2) - 1]);
        summary.Add(Day.AddDays(1), [3, 4, 5], [Math.Exp(3) - 1, double.NaN, Math.Exp(4) - 1]);
        Assert.Equal(4, summary.Count);
        Assert.Equal(2.5, summary.Mean, 12);
        Assert.Equal(Math.Sqrt(1.25), summary.Std, 12);
        Assert.Equal([5L, 3, 2, 1], summary.Largest.Select(l => l.Id));
    }
}
