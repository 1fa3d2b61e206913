namespace Batch.Core.Days;

/// <summary>Calendar days in the business time zone, and the rule that picks the nightly day.</summary>
public static class DataDays
{
    /// <summary>
    /// The newest day whose conversion window has closed: today − 1 − window. Day D's impressions can convert
    /// until the end of D + window, so at the start of D + window + 1 every label of D is final.
    /// </summary>
    public static DateOnly NightlyDay(DateTimeOffset now, TimeZoneInfo zone, int conversionWindowDays)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        return today.AddDays(-1 - conversionWindowDays);
    }

    /// <summary>
    /// When every label of <paramref name="day"/> is final: the start of D + window + 1 in <paramref name="zone"/>. Day D's
    /// impressions can convert until the end of D + window; before this instant a conversion may still arrive. The
    /// nightly day is, by construction, the newest day final at the start of today.
    /// </summary>
    public static DateTimeOffset LabelsFinalAt(DateOnly day, TimeZoneInfo zone, int conversionWindowDays)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return StartOf(day.AddDays(conversionWindowDays + 1), zone);
    }

    /// <summary>The instants [start, end) that make up <paramref name="day"/> in <paramref name="zone"/>.</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Bounds(DateOnly day, TimeZoneInfo zone) =>
        (StartOf(day, zone), StartOf(day.AddDays(1), zone));

    private static DateTimeOffset StartOf(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }

    public static DateOnly Parse(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", out var day)
            ? day
            : throw new FormatException($"'{text}' is not a day; write it as yyyy-MM-dd.");

    public static string Format(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
