using Batch.Core.Frames;
using Batch.Core.Options;
using Batch.Data.Validation;
using Xunit;

namespace Batch.Tests.Data;

public class DayValidatorTests
{
    private static DayFrame Frame(int n, int clicks, int conversions, double[]? prices = null, int day = 10, int days = 1, int firstId = 101) => new()
    {
        FirstDay = new DateOnly(2026, 1, day),
        LastDay = new DateOnly(2026, 1, day + days - 1),
        Ids = Enumerable.Range(firstId, n).Select(i => (long)i).ToArray(),
        DayOffsets = Enumerable.Range(0, n).Select(i => (short)(i % days)).ToArray(),
        Clicked = Enumerable.Range(0, n).Select(i => i < clicks).ToArray(),
        Converted = Enumerable.Range(0, n).Select(i => i < conversions).ToArray(),
        Categorical = [],
        Numeric = [new NumericColumn("price", prices ?? Enumerable.Repeat(10.0, n).ToArray())],
    };

    [Fact]
    public void Rows_IsEmpty_ForAUsableDay()
    {
        Assert.Empty(DayValidator.Rows(Frame(100, 10, 2), "held-out"));
    }

    [Fact]
    public void Rows_NamesTheCheck_TheObservedValue_TheThreshold_AndTheFirstOffendingIds()
    {
        var prices = Enumerable.Repeat(10.0, 100).ToArray();
        prices[3] = double.NaN;
        prices[7] = double.PositiveInfinity;
        var frame = Frame(100, 10, 2, prices);
        frame.Converted[50] = true; // a conversion without a click
        var findings = DayValidator.Rows(frame, "held-out");
        Assert.Equal(
            [
                "[finite-price] held-out day 2026-01-10: 2 impressions have a missing or non-finite price (threshold: 0); first offending: ids 104, 108",
                "[conversion-without-click] held-out day 2026-01-10: 1 impressions have a conversion but no click (threshold: 0); first offending: ids 151",
            ],
            findings.Select(f => f.ToString()));
    }

    [Fact]
    public void Rows_ReportsEmptyFramesAndMissingLabels()
    {
        var empty = Assert.Single(DayValidator.Rows(Frame(0, 0, 0), "training"));
        Assert.Equal(("rows-present", "0 impressions"), (empty.Check, empty.Observed));
        Assert.Equal("conversions-present", Assert.Single(DayValidator.Rows(Frame(100, 5, 0), "held-out")).Check);
    }

    [Fact]
    public void WindowDays_NamesADayWithoutRows()
    {
        var frame = Frame(700, 70, 7, day: 10, days: 7);
        var offsets = frame.DayOffsets.Select(o => o == 2 ? (short)3 : o).ToArray(); // day 3 of 7 (2026-01-12) lost
        var missing = new DayFrame
        {
            FirstDay = frame.FirstDay, LastDay = frame.LastDay, Ids = frame.Ids, DayOffsets = offsets,
            Clicked = frame.Clicked, Converted = frame.Converted, Categorical = [], Numeric = frame.Numeric,
        };
        var finding = Assert.Single(DayValidator.WindowDays(missing, new ValidationOptions()));
        Assert.Equal("[day-present] training window 2026-01-10..2026-01-16: 1 of 7 days have no impressions (threshold: every day present); first offending: days 2026-01-12", finding.ToString());
    }

    [Fact]
    public void WindowDays_FlagsADayOutsideTheBandAroundTheMedian_ButNotAnOrdinaryWeek()
    {
        // 7 days: 100 each, except one day at 25 (0.25× the median of 100) and one at 320 (3.2×).
        short[] offsets = [.. Enumerable.Range(0, 7).SelectMany(d => Enumerable.Repeat((short)d, d switch { 1 => 25, 4 => 320, _ => 100 }))];
        var frame = new DayFrame
        {
            FirstDay = new DateOnly(2026, 1, 10), LastDay = new DateOnly(2026, 1, 16),
            Ids = [.. Enumerable.Range(1, offsets.Length).Select(i => (long)i)], DayOffsets = offsets,
            Clicked = new bool[offsets.Length], Converted = new bool[offsets.Length], Categorical = [], Numeric = [],
        };
        var finding = Assert.Single(DayValidator.WindowDays(frame, new ValidationOptions()));
        Assert.Equal("day-volume", finding.Check);
        Assert.Equal("2 days outside the band around the median day of 100 impressions", finding.Observed);
        Assert.Equal("0.3–3× the median", finding.Threshold);
        Assert.Equal("2026-01-11 (25 impressions, 0.25×), 2026-01-14 (320 impressions, 3.20×)", finding.Offending);

        Assert.Empty(DayValidator.WindowDays(Frame(700, 70, 7, days: 7), new ValidationOptions()));
    }

    [Fact]
    public void DuplicateIds_FindsIdsRepeatedWithinOrAcrossTheWindowAndTheHeldOutDay()
    {
        var train = Frame(100, 10, 2, day: 3, days: 7, firstId: 1);      // ids 1..100
        var heldOut = Frame(50, 5, 1, day: 10, firstId: 99);             // ids 99..148: 99 and 100 again
        train.Ids[10] = 5;                                                // 5 twice in the window
        var finding = Assert.Single(DayValidator.DuplicateIds(train, heldOut));
        Assert.Equal(("duplicate-impression-id", "3 impression ids occur more than once", "ids 5, 99, 100"), (finding.Check, finding.Observed, finding.Offending));
        Assert.Empty(DayValidator.DuplicateIds(Frame(100, 10, 2, firstId: 1), Frame(50, 5, 1, firstId: 101)));
    }

    [Fact]
    public void Drift_FlagsAHalfLoadedDay_AndLabelRatesFarFromTheWindow()
    {
        var options = new ValidationOptions();
        var train = Frame(7000, 350, 35); // 1000 a day over 7 days, CTR 5 %, CTCVR 0.5 %
        Assert.Empty(DayValidator.Drift(Frame(1000, 50, 5), train, 7, options));

        var thin = Assert.Single(DayValidator.Drift(Frame(250, 12, 1), train, 7, options));
        Assert.Equal("[held-out-volume] held-out day 2026-01-10: 250 impressions, 0.25× the training window's 1000 per day (threshold: 0.3–3×); first offending: day 2026-01-10 (is it fully loaded?)", thin.ToString());

        var unlabeled = Assert.Single(DayValidator.Drift(Frame(1000, 10, 5), train, 7, options)); // CTR 1 % against 5 %, CTCVR as usual
        Assert.Equal("held-out-click-rate", unlabeled.Check);
        Assert.Contains("click rate 0.20× the training window's 5.00 %", unlabeled.Observed, StringComparison.Ordinal);
    }

    [Fact]
    public void Drift_FlagsAFurtherLabelWhoseHeldOutRateIsFarFromTheWindows()
    {
        static DayFrame WithCarts(DayFrame frame, int carts) =>
            new()
            {
                FirstDay = frame.FirstDay, LastDay = frame.LastDay, Ids = frame.Ids, DayOffsets = frame.DayOffsets, Clicked = frame.Clicked,
                Converted = frame.Converted, Categorical = frame.Categorical, Numeric = frame.Numeric,
                Labels = [new LabelColumn("event:carts", [.. Enumerable.Range(0, frame.Count).Select(i => i < carts ? 1f : 0f)])],
            };
        var options = new ValidationOptions();
        var train = WithCarts(Frame(7000, 350, 35), 140); // carts on 2 % of the rows

        Assert.Empty(DayValidator.Drift(WithCarts(Frame(1000, 50, 5), 20), train, 7, options));
        // The carts of the held-out day not loaded yet: none, against 2 % in the window.
        var finding = Assert.Single(DayValidator.Drift(WithCarts(Frame(1000, 50, 5), 0), train, 7, options));
        Assert.Equal("[held-out-label-rate] held-out day 2026-01-10: label event:carts rate 0.00× the training window's 2.00 % (threshold: 0.33–3×); first offending: day 2026-01-10 (are its labels complete?)", finding.ToString());
    }
}
