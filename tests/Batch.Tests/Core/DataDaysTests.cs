using Batch.Core.Days;
using Xunit;

namespace Batch.Tests.Core;

public class DataDaysTests
{
    private static readonly TimeZoneInfo Amsterdam = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");

    [Fact]
    public void NightlyDay_IsTodayInTheBusinessZoneMinusOneMinusTheWindow()
    {
        // 23:30 UTC on the 28th is 00:30 on the 29th in Amsterdam (UTC+1 in winter): today is the 29th.
        var day = DataDays.NightlyDay(new DateTimeOffset(2026, 11, 28, 23, 30, 0, TimeSpan.Zero), Amsterdam, conversionWindowDays: 2);
        Assert.Equal(new DateOnly(2026, 11, 26), day);
    }

    [Fact]
    public void Bounds_FollowDaylightSavingTime()
    {
        // Clocks go forward on 2026-03-29 in Amsterdam: that day lasts 23 hours.
        var (start, end) = DataDays.Bounds(new DateOnly(2026, 3, 29), Amsterdam);
        Assert.Equal(new DateTimeOffset(2026, 3, 28, 23, 0, 0, TimeSpan.Zero), start);
        Assert.Equal(TimeSpan.FromHours(23), end - start);
    }

    [Fact]
    public void Parse_RejectsAnythingButIsoDays()
    {
        Assert.Equal(new DateOnly(2026, 1, 2), DataDays.Parse("2026-01-02"));
        var e = Assert.Throws<FormatException>(() => DataDays.Parse("02/01/2026"));
        Assert.Contains("yyyy-MM-dd", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LabelsFinalAt_IsTheStartOfTheDayAfterTheConversionWindow_InTheBusinessZone()
    {
        // D 2026-11-26 with a 2-day window: conversions can arrive until the end of the 28th; final at 00:00 on the 29th
        // in Amsterdam, which is 23:00 UTC on the 28th (UTC+1 in winter).
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 23, 0, 0, TimeSpan.Zero), DataDays.LabelsFinalAt(new DateOnly(2026, 11, 26), Amsterdam, 2));
        // Across the spring change of clocks (2026-03-29): 00:00 on 2026-03-30 is 22:00 UTC on the 29th (UTC+2).
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 22, 0, 0, TimeSpan.Zero), DataDays.LabelsFinalAt(new DateOnly(2026, 3, 29), Amsterdam, 0));
    }

    [Theory]
    [InlineData("2026-11-28T22:59:59Z", 0)]
    [InlineData("2026-11-28T23:00:00Z", 2)]
    [InlineData("2026-07-01T12:00:00Z", 7)]
    [InlineData("2026-03-29T01:30:00Z", 1)]
    public void TheNightlyDay_IsFinalWhenTheNightlyJobRuns_AndTheDayAfterItIsNot(string instant, int window)
    {
        var now = DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);
        var nightly = DataDays.NightlyDay(now, Amsterdam, window);
        Assert.True(DataDays.LabelsFinalAt(nightly, Amsterdam, window) <= now);
        Assert.True(DataDays.LabelsFinalAt(nightly.AddDays(1), Amsterdam, window) > now);
    }
}
