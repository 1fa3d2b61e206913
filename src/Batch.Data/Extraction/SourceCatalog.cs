using Batch.Core.Options;
using Npgsql;

namespace Batch.Data.Extraction;

/// <summary>A source relation as the database's catalog has it: its kind (pg_class.relkind) and its columns' types (pg_type.typname).</summary>
public sealed record SourceRelation(string Name, string Kind, IReadOnlyDictionary<string, string> Columns)
{
    /// <summary>A table or partitioned table: its rows have a version (xmin).</summary>
    public bool IsTable => Kind is "r" or "p";

    public string KindText => Kind switch
    {
        "r" => "table", "p" => "partitioned table", "v" => "view", "m" => "materialized view", "f" => "foreign table", _ => $"relation of kind '{Kind}'",
    };

    public bool IsInteger(string column) => Columns.TryGetValue(column, out var type) && type is "int2" or "int4" or "int8";
}

/// <summary>
/// Looks source relations up in the catalog. Names travel as parameters (quoted identifiers parsed by
/// <c>to_regclass</c>), never as SQL.
/// </summary>
public static class SourceCatalog
{
    /// <summary>The relation <paramref name="table"/> names on <paramref name="day"/>, or null when there is none.</summary>
    public static async Task<SourceRelation?> DescribeAsync(NpgsqlConnection connection, SourceTable table, DateOnly day, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(table);
        return await DescribeAsync(connection, table.Quoted(day), table.TextOn(day), ct).ConfigureAwait(false);
    }

    private static async Task<SourceRelation?> DescribeAsync(NpgsqlConnection connection, string quoted, string text, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            select c.relkind::text, a.attname::text, t.typname::text
            from pg_class c
            left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
            left join pg_type t on t.oid = a.atttypid
            where c.oid = to_regclass(@name)
            """, connection);
        command.Parameters.AddWithValue("name", quoted);
        string? kind = null;
        var columns = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            kind = reader.GetString(0);
            if (!reader.IsDBNull(1)) columns[reader.GetString(1)] = reader.GetString(2);
        }
        return kind is null ? null : new SourceRelation(text, kind, columns);
    }

    /// <summary>Of the days [<paramref name="first"/>, <paramref name="last"/>], those whose relation exists (every day for one not per day that exists).</summary>
    public static async Task<IReadOnlyList<DateOnly>> ExistingDaysAsync(NpgsqlConnection connection, SourceTable table, DateOnly first, DateOnly last, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(table);
        var days = Enumerable.Range(0, last.DayNumber - first.DayNumber + 1).Select(first.AddDays).ToList();
        var names = table.PerDay ? days.Select(table.Quoted).ToArray() : [table.Quoted(first)];
        await using var command = new NpgsqlCommand("select array_agg(to_regclass(n) is not null order by o) from unnest(@names) with ordinality as u(n, o)", connection);
        command.Parameters.AddWithValue("names", names);
        var exists = (bool[])(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        return table.PerDay ? days.Where((_, i) => exists[i]).ToList() : exists[0] ? days : [];
    }

    /// <summary>
    /// The relation that stands for <paramref name="table"/> in checks of its columns: itself, or, per day, the table of
    /// the newest day among the existing ones (by name); null when there is none.
    /// </summary>
    public static async Task<SourceRelation?> RepresentativeAsync(NpgsqlConnection connection, SourceTable table, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (!table.PerDay) return await DescribeAsync(connection, table, DateOnly.MinValue, ct).ConfigureAwait(false);
        var open = table.Name.IndexOf('{', StringComparison.Ordinal);
        var close = table.Name.IndexOf('}', StringComparison.Ordinal);
        var (prefix, suffix) = (table.Name[..open], table.Name[(close + 1)..]);
        // Date patterns of a fixed width (yyyyMMdd, yyyy_MM_dd): the day's part is as long on every day.
        var length = table.NameOn(new DateOnly(2026, 12, 31)).Length;
        await using var command = new NpgsqlCommand(
            """
            select n.nspname::text, c.relname::text
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p', 'v', 'm', 'f')
              and left(c.relname, length(@prefix)) = @prefix and right(c.relname, length(@suffix)) = @suffix and length(c.relname) = @length
              and (case when @schema is null then pg_table_is_visible(c.oid) else n.nspname = @schema end)
            order by c.relname desc
            limit 1
            """, connection);
        command.Parameters.AddWithValue("prefix", prefix);
        command.Parameters.AddWithValue("suffix", suffix);
        command.Parameters.AddWithValue("length", length);
        command.Parameters.Add(new NpgsqlParameter<string?>("schema", table.Schema));
        string? schema = null, name = null;
        await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(ct).ConfigureAwait(false)) (schema, name) = (reader.GetString(0), reader.GetString(1));
        }
        return name is null ? null
            : await DescribeAsync(connection, SourceTable.Identifier(schema!) + "." + SourceTable.Identifier(name), (table.Schema is null ? "" : table.Schema + ".") + name, ct).ConfigureAwait(false);
    }
}
