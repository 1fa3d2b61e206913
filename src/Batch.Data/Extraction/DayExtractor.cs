using System.Globalization;
using System.Runtime.CompilerServices;
using Batch.Core.Days;
using Batch.Core.Frames;
using Batch.Core.Options;
using Npgsql;
using NpgsqlTypes;

namespace Batch.Data.Extraction;

/// <summary>Reads the impressions of a day window with their conversion label by binary COPY.</summary>
public sealed class DayExtractor(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Impressions with event time in [first day 00:00, last day + 1 00:00) of <paramref name="zone"/>, ordered
    /// by (event time, id). <c>Converted</c> is true when a conversion of the impression arrived within
    /// <paramref name="conversionWindowDays"/> days of it.
    /// </summary>
    /// <param name="onRows">called, on the reading thread, with the number of rows read so far: at the first row and every 10 000</param>
    public async Task<DayFrame> ExtractAsync(
        FeatureOptions features, DateOnly firstDay, DateOnly lastDay, TimeZoneInfo zone, int conversionWindowDays,
        CancellationToken ct, Action<long>? onRows = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        var rows = new FrameRows(features);
        var vocabularies = await ReadAsync(features, firstDay, lastDay, zone, conversionWindowDays, rows, ct, onRows).ConfigureAwait(false);
        return rows.Frame(firstDay, lastDay, vocabularies);
    }

    /// <summary>
    /// The same rows, value by value into <paramref name="into"/>; returns each categorical column's vocabulary (its
    /// values in code order, the order of first appearance).
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyList<string>>> ReadAsync(
        FeatureOptions features, DateOnly firstDay, DateOnly lastDay, TimeZoneInfo zone, int conversionWindowDays, IExtractedRows into,
        CancellationToken ct, Action<long>? onRows = null)
    {
        var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await SourceReadException.UsingAsync(connection, Reading(firstDay, lastDay), "the connection",
            () => ReadAsync(connection, features, firstDay, lastDay, zone, conversionWindowDays, into, ct, onRows)).ConfigureAwait(false);
    }

    /// <summary>The same on <paramref name="connection"/>, inside whatever transaction it has open (a snapshot the caller also reads in).</summary>
    /// <param name="versions">when given, also reads each row's version (xmin) and adds the rows up in it</param>
    public async Task<IReadOnlyList<IReadOnlyList<string>>> ReadAsync(
        NpgsqlConnection connection, FeatureOptions features, DateOnly firstDay, DateOnly lastDay, TimeZoneInfo zone, int conversionWindowDays, IExtractedRows into,
        CancellationToken ct, Action<long>? onRows = null, RowVersions? versions = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(into);
        if (lastDay < firstDay) throw new ArgumentException($"Window {firstDay}..{lastDay} is empty.");
        var (sql, integral) = await CopyQueryAsync(features, firstDay, lastDay, zone, conversionWindowDays, ct, rowVersions: versions is not null).ConfigureAwait(false);

        var reader = await connection.BeginBinaryExportAsync(sql, ct).ConfigureAwait(false);
        return await SourceReadException.UsingAsync(reader, Reading(firstDay, lastDay), "the COPY",
            () => Task.FromResult<IReadOnlyList<IReadOnlyList<string>>>(Decode(reader, features, integral, into, versions, onRows, ct))).ConfigureAwait(false);
    }

    /// <summary>
    /// The COPY's rows, value by value into <paramref name="into"/>; the vocabularies. Compiled optimised from its first
    /// call: a run decodes its first days before tiered compilation would get to this loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static List<string>[] Decode(
        NpgsqlBinaryExporter reader, FeatureOptions features, bool[] integral, IExtractedRows into, RowVersions? versions, Action<long>? onRows, CancellationToken ct)
    {
        var categorical = features.Categorical.Count;
        var numeric = features.Numeric.Count;
        var vocabularies = features.Categorical.Select(_ => new List<string>()).ToArray();
        var catVocab = features.Categorical.Select(_ => new Dictionary<string, int>(StringComparer.Ordinal)).ToArray();
        var intCodes = features.Categorical.Select(_ => new Dictionary<long, int>()).ToArray();
        long count = 0;

        while (reader.StartRow() != -1)
        {
            var id = reader.Read<long>(NpgsqlDbType.Bigint);
            var offset = reader.Read<short>(NpgsqlDbType.Smallint);
            count++;
            if (count % 10_000 == 0) ct.ThrowIfCancellationRequested();
            if (onRows is not null && (count == 1 || count % 10_000 == 0)) onRows(count);
            into.Row(id, offset, reader.Read<bool>(NpgsqlDbType.Boolean), reader.Read<bool>(NpgsqlDbType.Boolean));
            into.ContentKey(reader.Read<long>(NpgsqlDbType.Bigint));
            for (var c = 0; c < categorical; c++)
            {
                if (reader.IsNull) { reader.Skip(); into.Categorical(c, -1); continue; }
                int code;
                if (integral[c])
                {
                    var number = reader.Read<long>(NpgsqlDbType.Bigint);
                    if (!intCodes[c].TryGetValue(number, out code))
                    {
                        code = vocabularies[c].Count;
                        vocabularies[c].Add(number.ToString(CultureInfo.InvariantCulture));
                        intCodes[c].Add(number, code);
                    }
                }
                else
                {
                    var value = reader.Read<string>(NpgsqlDbType.Text);
                    if (!catVocab[c].TryGetValue(value, out code))
                    {
                        code = vocabularies[c].Count;
                        vocabularies[c].Add(value);
                        catVocab[c].Add(value, code);
                    }
                }
                into.Categorical(c, code);
            }
            for (var n = 0; n < numeric; n++)
            {
                if (reader.IsNull) { reader.Skip(); into.Numeric(n, double.NaN); continue; }
                into.Numeric(n, reader.Read<double>(NpgsqlDbType.Double));
            }
            versions?.Add(id, reader.Read<uint>(NpgsqlDbType.Xid));
        }
        return vocabularies;
    }

    /// <summary>
    /// The COPY that <see cref="ExtractAsync"/> reads — id, day offset, clicked, converted, the content key, then the
    /// categorical and numeric columns, and with <paramref name="rowVersions"/> the row's xmin last — and which
    /// categorical columns it reads as integers.
    /// </summary>
    public async Task<(string Sql, bool[] Integral)> CopyQueryAsync(
        FeatureOptions features, DateOnly firstDay, DateOnly lastDay, TimeZoneInfo zone, int conversionWindowDays, CancellationToken ct,
        bool rowVersions = false)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (lastDay < firstDay) throw new ArgumentException($"Window {firstDay}..{lastDay} is empty.");
        var types = await ColumnTypesAsync(features, ct).ConfigureAwait(false);
        // Integer categories (ids, hours, slots) travel as integers and become text once per distinct value here;
        // other categories are cast to text by the server. The text is what PostgreSQL's ::text gives either way.
        var integral = features.Categorical.Select(c => types[c] is "int2" or "int4" or "int8").ToArray();

        var (start, _) = DataDays.Bounds(firstDay, zone);
        var (_, end) = DataDays.Bounds(lastDay, zone);
        // The content key: the database's 64-bit hash of the row's event time and every feature column, as one row value's
        // text (a null part writes as nothing between its commas). Rows alike in all of them share it, whatever their ids.
        var content = "hashtextextended(row(i.event_time" + string.Concat(features.Categorical.Concat(features.Numeric).Select(c => $", i.\"{c}\"")) + ")::text, 0)";
        var columns = string.Concat(
            features.Categorical.Select((c, k) => integral[k] ? $", i.\"{c}\"::int8" : $", i.\"{c}\"::text").Concat(features.Numeric.Select(n => $", i.\"{n}\"::float8")).Append(rowVersions ? ", i.xmin" : ""));
        // The window's conversions are read once and reduced to each impression's first one (a hash aggregate and a
        // hash join), instead of a lookup per impression: an impression converted when a conversion of it arrived
        // in [window start, window end + W) and no later than W after it — exactly when its first such one did.
        var sql = $"""
            copy (
                select i.id,
                       ((i.event_time at time zone {ZoneLiteral(zone)})::date - date '{firstDay:yyyy-MM-dd}')::int2 as day_offset,
                       i.clicked,
                       coalesce(f.first_at <= i.event_time + interval '{conversionWindowDays} days', false) as converted,
                       {content} as content_key
                       {columns}
                from impressions i
                left join (
                    select c.impression_id, min(c.event_time) as first_at
                    from conversions c
                    where c.event_time >= {Literal(start)}
                      and c.event_time < {Literal(end)} + interval '{conversionWindowDays} days'
                    group by c.impression_id
                ) f on f.impression_id = i.id
                where i.event_time >= {Literal(start)} and i.event_time < {Literal(end)}
                order by i.event_time, i.id
            ) to stdout (format binary)
            """;
        return (sql, integral);
    }

    /// <summary>
    /// The same COPY read row by row and thrown away: the reference a benchmark compares extraction with.
    /// </summary>
    /// <returns>the rows read</returns>
    public async Task<long> CopyAndDiscardAsync(
        FeatureOptions features, DateOnly firstDay, DateOnly lastDay, TimeZoneInfo zone, int conversionWindowDays, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(features);
        var (sql, _) = await CopyQueryAsync(features, firstDay, lastDay, zone, conversionWindowDays, ct).ConfigureAwait(false);
        var columns = 5 + features.Categorical.Count + features.Numeric.Count;
        long rows = 0;
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var reader = await connection.BeginBinaryExportAsync(sql, ct).ConfigureAwait(false);
        while (reader.StartRow() != -1)
        {
            for (var c = 0; c < columns; c++) reader.Skip();
            if (++rows % 10_000 == 0) ct.ThrowIfCancellationRequested();
        }
        return rows;
    }

    /// <summary>The type (pg_type.typname) of every feature column; fails naming the columns the table lacks.</summary>
    private async Task<IReadOnlyDictionary<string, string>> ColumnTypesAsync(FeatureOptions features, CancellationToken ct)
    {
        var known = await ImpressionColumnsAsync(ct).ConfigureAwait(false);
        if (MissingColumns(features, known) is { } missing) throw new InvalidOperationException(missing);
        return known;
    }

    /// <summary>Every column of the impressions relation with its type (pg_type.typname), resolved as extraction resolves it.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ImpressionColumnsAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            // Resolved through the search path, exactly as the extraction query resolves it.
            "select a.attname::text, t.typname::text from pg_attribute a join pg_type t on t.oid = a.atttypid where a.attrelid = 'impressions'::regclass and a.attnum > 0 and not a.attisdropped",
            connection);
        var known = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false)) known[reader.GetString(0)] = reader.GetString(1);
        }
        return known;
    }

    /// <summary>What is wrong when <paramref name="features"/> name columns that <paramref name="columns"/> lacks, or null.</summary>
    public static string? MissingColumns(FeatureOptions features, IReadOnlyDictionary<string, string> columns)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(columns);
        var unknown = features.Categorical.Concat(features.Numeric).Where(c => !columns.ContainsKey(c)).ToList();
        return unknown.Count == 0 ? null
            : $"Feature columns not in table impressions: {string.Join(", ", unknown)} (columns: {string.Join(", ", columns.Keys.Order(StringComparer.Ordinal))}).";
    }

    private static string Reading(DateOnly first, DateOnly last) =>
        first == last ? $"impressions of {first:yyyy-MM-dd}" : $"impressions of {first:yyyy-MM-dd}..{last:yyyy-MM-dd}";

    // Time zone ids come from configuration and the system's zone list; quoted, not trusted.
    private static string ZoneLiteral(TimeZoneInfo zone) => "'" + zone.Id.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string Literal(DateTimeOffset instant) =>
        "'" + instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "+00'::timestamptz";
}
