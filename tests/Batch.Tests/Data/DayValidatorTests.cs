using Batch.Core.Frames;
using Batch.Core.Options;
using Batch.Data.Validation;
using Xunit;

namespace Batch.Tests.Data;

public class DayValidatorTests
{
    private static DayFrame Frame(int n, int clicks, int conversions, double[]? prices = null, int day = 10) => new()
    {
        FirstDay = new DateOnly(2026, 1, day),
        LastDay = new DateOnly(2026, 1, day),
        Ids = Enumerable.Range(1, n).Select(i => (long)(100 + i)).ToArray(),
        Clicked = Enumerable.Range(0, n).Select(i => i < clicks).ToArray(),
        Converted = Enumerable.Range(0, n).Select(i => i < conversions).ToArray(),
        Categorical = [],
        Numeric = [new NumericColumn("price", prices ?? Enumerable.Repeat(10.0, n).ToArray())],
    };

    [Fact]
    public void Problems_IsEmpty_ForAUsableDay()
    {
        Assert.Empty(DayValidator.Problems(Frame(100, 10, 2), "held-out"));
    }

    [Fact]
    public void Problems_NamesTheImpressionsWithBadNumbersOrOrphanConversions()
    {
        var prices = Enumerable.Repeat(10.0, 100).ToArray();
        prices[3] = double.NaN;
        prices[7] = double.PositiveInfinity;
        var frame = Frame(100, 10, 2, prices);
        frame.Converted[50] = true; // a conversion without a click
        var problems = DayValidator.Problems(frame, "held-out");
        Assert.Equal(2, problems.Count);
        Assert.Equal("held-out window 2026-01-10: 2 impressions have a missing or non-finite price (ids 104, 108)", problems[0]);
        Assert.Equal("held-out window 2026-01-10: 1 impressions have a conversion but no click (ids 151)", problems[1]);
    }

    [Fact]
    public void Problems_ReportsEmptyDaysAndMissingLabels()
    {
        Assert.Contains("has no impressions", Assert.Single(DayValidator.Problems(Frame(0, 0, 0), "training")), StringComparison.Ordinal);
        Assert.Contains("no conversions among 100 impressions", Assert.Single(DayValidator.Problems(Frame(100, 5, 0), "held-out")), StringComparison.Ordinal);
    }

    [Fact]
    public void Drift_FlagsAHalfLoadedDay_AndLabelRatesFarFromTheWindow()
    {
        var options = new ValidationOptions();
        var train = Frame(7000, 350, 35); // 1000 a day over 7 days, CTR 5 %, CTCVR 0.5 %
        Assert.Empty(DayValidator.Drift(Frame(1000, 50, 5), train, 7, options));

        var thin = DayValidator.Drift(Frame(250, 12, 1), train, 7, options);
        Assert.Equal("held-out day 2026-01-10 has 250 impressions, 0.25× the training window's 1000 per day (allowed 0.3–3×); is the day fully loaded?", Assert.Single(thin));

        var unlabeled = DayValidator.Drift(Frame(1000, 10, 5), train, 7, options); // CTR 1 % against 5 %, CTCVR as usual
        Assert.Contains("click rate 0.20× the training window's 5.00 %", Assert.Single(unlabeled), StringComparison.Ordinal);
    }
}
