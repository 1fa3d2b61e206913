using Batch.Core.Options;
using Batch.Data.Extraction;
using Npgsql;

namespace Batch.Data.Shards;

/// <summary>
/// What identifies the source rows of a day, by the profile's change detection: the database and the day's impressions
/// relation, then per relation the count and sum of ids of the day's impressions, and of the conversions (and of each
/// further event relation a task's label reads) that can label them (those of the day and of its conversion window), with the sum of their row versions (<c>row-version</c>) or the
/// largest value of their change column (<c>column:…</c>). Any insert, update or delete of those rows changes it (an
/// update only when it changes the row's version or its change column). With <c>none</c> the parts are empty: the day
/// is never reused.
/// </summary>
internal sealed class SourceFingerprint(NpgsqlConnection connection, SourceSql sql, SourceSpec spec, DateOnly day)
{
    public static string Of(string database, string impressions, string conversions) => $"{database}/{impressions}/{conversions}";

    private string Mode => spec.Source.ChangeDetection;

    /// <summary>The database and the day's impressions relation, and the conversions' part: one round trip.</summary>
    public async Task<(string Database, string Conversions)> DatabaseAndConversionsAsync(CancellationToken ct)
    {
        var (start, end) = sql.Bounds(day, day);
        // The conversions, then every further event relation a label reads, each its own part.
        var conversions = Mode == SourceOptions.NoChangeDetection ? "''"
            : string.Join(" || '+' || ", new[] { SourceOptions.ConversionsEvent }.Concat(sql.LabelEvents).Select(e =>
                $"(select {Aggregate("batch_impression")} from ({sql.Events(e, start, end, spec.ConversionWindowDays, Extra)}) c)"));
        await using var command = new NpgsqlCommand(
            $"select current_database() || ':' || coalesce(to_regclass(@relation)::oid::text, '-') || '/' || {conversions}", connection);
        command.Parameters.AddWithValue("relation", sql.ImpressionsRelation(day));
        var both = (string)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        // The events' part is digits, colons, points and '+'; the database's name may hold anything, a '/' included.
        var cut = both.LastIndexOf('/');
        return (both[..cut], both[(cut + 1)..]);
    }

    /// <summary>The impressions' part, as <see cref="RowVersions"/> writes it from the rows with row versions.</summary>
    public async Task<string> ImpressionsAsync(CancellationToken ct)
    {
        if (Mode == SourceOptions.NoChangeDetection) return "";
        var (start, end) = sql.Bounds(day, day);
        await using var command = new NpgsqlCommand($"select {Aggregate("batch_id")} from ({sql.Impressions(start, end, Extra)}) i", connection);
        return (string)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    private string Extra => Mode == SourceOptions.RowVersion ? "version" : "change";

    private string Aggregate(string id) =>
        $"count(*) || ':' || coalesce(sum({id}), 0) || ':' || " +
        (Mode == SourceOptions.RowVersion ? "coalesce(sum(batch_version::text::bigint), 0)" : "coalesce(max(batch_change)::text, '')");
}
