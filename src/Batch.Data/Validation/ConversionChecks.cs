using Batch.Core.Days;
using Batch.Core.Options;
using Batch.Data.Extraction;
using Npgsql;

namespace Batch.Data.Validation;

/// <summary>
/// Checks of the conversions relation (and of each further event relation a task's label reads) that no frame can
/// show: events whose impression does not exist, and events recorded before their impression. Both would be counted
/// silently (or not at all) by extraction.
/// </summary>
public sealed class ConversionChecks(NpgsqlDataSource dataSource)
{
    private const int Examples = 5;

    /// <summary>
    /// Looks at every conversion that could be attributed to an impression of [<paramref name="firstDay"/>,
    /// <paramref name="lastDay"/>]: those from the window's start to the end of its last day's conversion window.
    /// The impression is looked up in the whole impressions relation (per day: in the days around the window), so a
    /// conversion of an impression from just before the window is no orphan.
    /// </summary>
    public async Task<IReadOnlyList<ValidationFinding>> FindAsync(SourceSpec spec, DateOnly firstDay, DateOnly lastDay, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var conversionWindowDays = spec.ConversionWindowDays;
        var (start, _) = DataDays.Bounds(firstDay, spec.Zone);
        var (_, end) = DataDays.Bounds(lastDay.AddDays(conversionWindowDays), spec.Zone);
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var sql = await SourceSql.ResolveAsync(connection, spec, firstDay, lastDay, ct).ConfigureAwait(false);
        var findings = new List<ValidationFinding>();
        foreach (var relation in new[] { SourceOptions.ConversionsEvent }.Concat(sql.LabelEvents))
        {
            await using var command = new NpgsqlCommand(
                $"""
                with checked as (
                    select c.batch_impression, c.batch_time, {sql.ImpressionTime("c.batch_impression")} as impression_time
                    from ({sql.Events(relation, start, end)}) c
                )
                select 'orphan' as kind, count(*) as n,
                       (array_agg(format('of impression %s at %s', batch_impression, batch_time) order by batch_impression, batch_time))[1:@examples] as first
                from checked where impression_time is null
                union all
                select 'early', count(*),
                       (array_agg(format('of impression %s at %s, %s before it', batch_impression, batch_time, impression_time - batch_time) order by batch_impression, batch_time))[1:@examples]
                from checked where batch_time < impression_time
                """, connection);
            command.Parameters.AddWithValue("examples", Examples);
            // The conversions keep their findings' names; a further event relation's are event-… and name it.
            var (noun, prefix) = relation == SourceOptions.ConversionsEvent ? ("conversions", "conversion") : ($"{relation} events", "event");
            var subject = $"{noun} in {spec.EventTable(relation).Text} of {firstDay:yyyy-MM-dd}..{lastDay:yyyy-MM-dd} (with their {conversionWindowDays}-day conversion window)";
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var count = reader.GetInt64(1);
                if (count == 0) continue;
                var first = reader.GetFieldValue<string[]>(2);
                var more = count > first.Length ? ", …" : "";
                findings.Add(reader.GetString(0) == "orphan"
                    ? new($"{prefix}-orphan", subject, $"{count} {noun} whose impression does not exist", "0", $"{noun} " + string.Join("; ", first) + more)
                    : new($"{prefix}-before-impression", subject, $"{count} {noun} recorded before their impression", "0", $"{noun} " + string.Join("; ", first) + more));
            }
        }
        return findings;
    }
}
