using System.Globalization;
using System.Runtime.CompilerServices;
using Batch.Core.Days;
using Batch.Core.Frames;
using Batch.Core.Options;
using Npgsql;
using NpgsqlTypes;

namespace Batch.Data.Extraction;

/// <summary>Reads the impressions of a day window with their conversion label by binary COPY, from the model's source relations.</summary>
public sealed class DayExtractor(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Impressions with event time in [first day 00:00, last day + 1 00:00) of the business time zone, ordered by
    /// (event time, id). <c>Converted</c> is true when a conversion of the impression arrived within the conversion
    /// window of it.
    /// </summary>
    /// <param name="onRows">called, on the reading thread, with the number of rows read so far: at the first row and every 10 000</param>
    public async Task<DayFrame> ExtractAsync(SourceSpec spec, DateOnly firstDay, DateOnly lastDay, CancellationToken ct, Action<long>? onRows = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var rows = new FrameRows(spec.Features, spec.Labels.Select(l => l.Key).ToList());
        var vocabularies = await ReadAsync(spec, firstDay, lastDay, rows, ct, onRows).ConfigureAwait(false);
        return rows.Frame(firstDay, lastDay, vocabularies);
    }

    /// <summary>
    /// The same rows, value by value into <paramref name="into"/>; returns each categorical column's vocabulary (its
    /// values in code order, the order of first appearance).
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyList<string>>> ReadAsync(
        SourceSpec spec, DateOnly firstDay, DateOnly lastDay, IExtractedRows into, CancellationToken ct, Action<long>? onRows = null)
    {
        var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await SourceReadException.UsingAsync(connection, Reading(firstDay, lastDay), "the connection", async () =>
        {
            var sql = await SourceSql.ResolveAsync(connection, spec, firstDay, lastDay, ct).ConfigureAwait(false);
            return await ReadAsync(connection, sql, spec, firstDay, lastDay, into, ct, onRows).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// The same on <paramref name="connection"/> with its source resolved (<paramref name="sql"/>), inside whatever
    /// transaction it has open (a snapshot the caller also reads in).
    /// </summary>
    /// <param name="versions">when given, also reads each row's version (xmin) and adds the rows up in it</param>
    public static async Task<IReadOnlyList<IReadOnlyList<string>>> ReadAsync(
        NpgsqlConnection connection, SourceSql sql, SourceSpec spec, DateOnly firstDay, DateOnly lastDay, IExtractedRows into,
        CancellationToken ct, Action<long>? onRows = null, RowVersions? versions = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(into);
        if (lastDay < firstDay) throw new ArgumentException($"Window {firstDay}..{lastDay} is empty.");
        var copy = CopyQuery(sql, spec, firstDay, lastDay, rowVersions: versions is not null);
        var reader = await connection.BeginBinaryExportAsync(copy, ct).ConfigureAwait(false);
        string[] columns = [$"{spec.Impressions.Text}.{spec.Source.Impressions.Clicked}", .. spec.Labels.Select(l => $"{spec.Impressions.Text}.{l.Label.Column ?? l.Key}")];
        return await SourceReadException.UsingAsync(reader, Reading(firstDay, lastDay), "the COPY",
            () => Task.FromResult<IReadOnlyList<IReadOnlyList<string>>>(Decode(reader, spec.Features, sql.Integral, columns, into, versions, onRows, ct))).ConfigureAwait(false);
    }

    /// <summary>
    /// The COPY's rows, value by value into <paramref name="into"/>; the vocabularies. Compiled optimised from its first
    /// call: a run decodes its first days before tiered compilation would get to this loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static List<string>[] Decode(
        NpgsqlBinaryExporter reader, FeatureOptions features, IReadOnlyList<bool> integral, string[] labelColumns, IExtractedRows into, RowVersions? versions, Action<long>? onRows, CancellationToken ct)
    {
        var labels = labelColumns.Length - 1;
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
            if (reader.IsNull) throw new InvalidDataException($"Impression {id} has no value in {labelColumns[0]}; every impression must say whether it was clicked.");
            into.Row(id, offset, reader.Read<bool>(NpgsqlDbType.Boolean), reader.Read<bool>(NpgsqlDbType.Boolean));
            for (var l = 0; l < labels; l++)
            {
                if (reader.IsNull) throw new InvalidDataException($"Impression {id} has no value in {labelColumns[l + 1]}, a task's label: every impression needs one (a view can write coalesce(…, 0)).");
                into.Label(l, (float)reader.Read<double>(NpgsqlDbType.Double));
            }
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
    /// The COPY that <see cref="ExtractAsync"/> reads — id, day offset, clicked, converted, the spec's further labels, the
    /// content key, then the categorical and numeric columns, and with <paramref name="rowVersions"/> the row's xmin last.
    /// </summary>
    public static string CopyQuery(SourceSql sql, SourceSpec spec, DateOnly firstDay, DateOnly lastDay, bool rowVersions = false)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(spec);
        if (lastDay < firstDay) throw new ArgumentException($"Window {firstDay}..{lastDay} is empty.");
        var (start, end) = sql.Bounds(firstDay, lastDay);
        var window = spec.ConversionWindowDays;
        var (labels, joins) = sql.LabelSelect(start, end);
        var features = string.Concat(spec.Features.Categorical.Select((_, k) => $", i.c{k}").Concat(spec.Features.Numeric.Select((_, k) => $", i.n{k}")));
        // The content key: the database's 64-bit hash of the row's event time and every feature column, as one row value's
        // text (a null part writes as nothing between its commas). Rows alike in all of them share it, whatever their ids.
        // The window's conversions are read once and reduced to each impression's first one (a hash aggregate and a hash
        // join), instead of a lookup per impression: an impression converted when a conversion of it arrived in
        // [window start, window end + W) and no later than W after it — exactly when its first such one did.
        return $"""
            copy (
                select i.batch_id,
                       ((i.batch_time at time zone {ZoneLiteral(spec.Zone)})::date - date '{firstDay:yyyy-MM-dd}')::int2 as day_offset,
                       i.batch_clicked,
                       coalesce(f.first_at <= i.batch_time + interval '{window} days', false) as converted{labels},
                       hashtextextended(row(i.batch_time{features})::text, 0) as content_key
                       {features}{(rowVersions ? ", i.batch_version" : "")}
                from ({sql.Impressions(start, end, rowVersions ? "version" : null)}) i
                left join (
                    select c.batch_impression, min(c.batch_time) as first_at
                    from ({sql.Conversions(start, end, window)}) c
                    group by c.batch_impression
                ) f on f.batch_impression = i.batch_id{joins}
                order by i.batch_time, i.batch_id
            ) to stdout (format binary)
            """;
    }

    /// <summary>
    /// The same COPY read row by row and thrown away: the reference a benchmark compares extraction with.
    /// </summary>
    /// <returns>the rows read</returns>
    public async Task<long> CopyAndDiscardAsync(SourceSpec spec, DateOnly firstDay, DateOnly lastDay, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var columns = 5 + spec.Labels.Count + spec.Features.Categorical.Count + spec.Features.Numeric.Count;
        long rows = 0;
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var sql = await SourceSql.ResolveAsync(connection, spec, firstDay, lastDay, ct).ConfigureAwait(false);
        await using var reader = await connection.BeginBinaryExportAsync(CopyQuery(sql, spec, firstDay, lastDay), ct).ConfigureAwait(false);
        while (reader.StartRow() != -1)
        {
            for (var c = 0; c < columns; c++) reader.Skip();
            if (++rows % 10_000 == 0) ct.ThrowIfCancellationRequested();
        }
        return rows;
    }

    private static string Reading(DateOnly first, DateOnly last) =>
        first == last ? $"impressions of {first:yyyy-MM-dd}" : $"impressions of {first:yyyy-MM-dd}..{last:yyyy-MM-dd}";

    // Time zone ids come from configuration and the system's zone list; quoted, not trusted.
    private static string ZoneLiteral(TimeZoneInfo zone) => "'" + zone.Id.Replace("'", "''", StringComparison.Ordinal) + "'";
}
