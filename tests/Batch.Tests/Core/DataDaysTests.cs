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
}
