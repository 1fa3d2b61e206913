using Batch.Core.Days;
using Npgsql;

namespace Batch.Data.Validation;

/// <summary>
/// Checks of the conversions table that no frame can show: conversions whose impression does not exist, and
/// conversions recorded before their impression. Both would be counted silently (or not at all) by extraction.
/// </summary>
public sealed class ConversionChecks(NpgsqlDataSource dataSource)
{
    private const int Examples = 5;

    /// <summary>
    /// Looks at every conversion that could be attributed to an impression of [<paramref name="firstDay"/>,
    /// <paramref name="lastDay"/>]: those from the window's start to the end of its last day's conversion window.
    /// The impression is looked up in the whole impressions table, so a conversion of an impression from just
    /// before the window is no orphan.
    /// </summary>
    public async Task<IReadOnlyList<ValidationFinding>> FindAsync(DateOnly firstDay, DateOnly lastDay, TimeZoneInfo zone, int conversionWindowDays, CancellationToken ct)
    {
        var (start, _) = DataDays.Bounds(firstDay, zone);
        var (_, end) = DataDays.Bounds(lastDay.AddDays(conversionWindowDays), zone);
        await using var command = dataSource.CreateCommand(
            """
            with checked as (
                select c.conversion_id, c.impression_id, c.event_time,
                       (select min(i.event_time) from impressions i where i.id = c.impression_id) as impression_time
                from conversions c
                where c.event_time >= @start and c.event_time < @end
            )
            select 'orphan' as kind, count(*) as n,
                   (array_agg(format('%s (impression %s)', conversion_id, impression_id) order by conversion_id))[1:@examples] as first
            from checked where impression_time is null
            union all
            select 'early', count(*),
                   (array_agg(format('%s (impression %s, %s before it)', conversion_id, impression_id, impression_time - event_time) order by conversion_id))[1:@examples]
            from checked where event_time < impression_time
            """);
        command.Parameters.AddWithValue("start", start);
        command.Parameters.AddWithValue("end", end);
        command.Parameters.AddWithValue("examples", Examples);
        var findings = new List<ValidationFinding>();
        var subject = $"conversions of {firstDay:yyyy-MM-dd}..{lastDay:yyyy-MM-dd} (with their {conversionWindowDays}-day conversion window)";
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var count = reader.GetInt64(1);
            if (count == 0) continue;
            var first = reader.GetFieldValue<string[]>(2);
            var more = count > first.Length ? ", …" : "";
            findings.Add(reader.GetString(0) == "orphan"
                ? new("conversion-orphan", subject, $"{count} conversions whose impression does not exist", "0", "conversions " + string.Join(", ", first) + more)
                : new("conversion-before-impression", subject, $"{count} conversions recorded before their impression", "0", "conversions " + string.Join(", ", first) + more));
        }
        return findings;
    }
}
