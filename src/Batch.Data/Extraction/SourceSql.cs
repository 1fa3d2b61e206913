using System.Globalization;
using System.Text;
using Batch.Core.Days;
using Batch.Core.Frames;
using Batch.Core.Options;
using Npgsql;

namespace Batch.Data.Extraction;

/// <summary>
/// The SQL that reads a model's source, resolved against the catalog for a range of days. Every name from configuration
/// enters it as a quoted identifier of a column or relation the catalog has; every value from configuration (the
/// conversions' filter) is bound by <see cref="BindAsync"/> and read back with <c>current_setting</c>, since a COPY
/// takes no parameters. The relations become subqueries with fixed column names: <c>batch_id</c>, <c>batch_time</c>,
/// <c>batch_clicked</c>, <c>c0…</c> (categorical, int8 or text), <c>n0…</c> (numeric, float8), <c>l0…</c> (label
/// columns, float8) for impressions; <c>batch_impression</c>, <c>batch_time</c> (and <c>batch_value</c>) for an event
/// relation (the conversions, or one of Source:Events); and <c>batch_version</c> (xmin) when asked.
/// </summary>
public sealed class SourceSql
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;
    private readonly SourceSpec _spec;
    private readonly IReadOnlyList<DateOnly> _impressionDays;
    private readonly IReadOnlyList<DateOnly> _lookupDays;
    private readonly string _clicked;
    private readonly SourceRelation _impressions;
    private readonly IReadOnlyDictionary<string, EventSource> _events;

    /// <summary>An event relation resolved: its options, table, catalog shape, the days it has around the range, and where its filter's values are bound.</summary>
    private sealed record EventSource(ConversionSourceOptions Options, SourceTable Table, SourceRelation Shape, IReadOnlyList<DateOnly> Days, int FirstSetting);

    private SourceSql(SourceSpec spec, SourceRelation impressions, IReadOnlyDictionary<string, EventSource> events, IReadOnlyList<DateOnly> impressionDays, IReadOnlyList<DateOnly> lookupDays)
    {
        _spec = spec;
        _impressions = impressions;
        _events = events;
        _impressionDays = impressionDays;
        _lookupDays = lookupDays;
        Integral = spec.Features.Categorical.Select(impressions.IsInteger).ToArray();
        _clicked = Flag("r." + Column(spec.Source.Impressions.Clicked), impressions.Columns[spec.Source.Impressions.Clicked]);
    }

    /// <summary>Which categorical columns are read as integers (the others as text).</summary>
    public IReadOnlyList<bool> Integral { get; }

    /// <summary>The mapping's relations and columns as configured, for messages.</summary>
    public string Describe() => $"{_spec.Impressions.Text} and {_spec.Conversions.Text}";

    /// <summary>The event relations the spec's labels read besides the conversions, each once.</summary>
    public IEnumerable<string> LabelEvents => _spec.Labels.Select(l => l.Label.Event).OfType<string>().Where(e => e != SourceOptions.ConversionsEvent).Distinct(StringComparer.Ordinal);

    /// <summary>
    /// The source resolved for reading the impressions of [<paramref name="first"/>, <paramref name="last"/>] with their
    /// labels; fails with every problem of the mapping (a missing relation or column, a type it cannot read).
    /// </summary>
    public static async Task<SourceSql> ResolveAsync(NpgsqlConnection connection, SourceSpec spec, DateOnly first, DateOnly last, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var (impressions, shapes, problems) = await ShapesAsync(connection, spec, first, ct).ConfigureAwait(false);
        if (problems.Count > 0) throw new InvalidOperationException("The source cannot be read: " + string.Join("; ", problems) + ".");
        var impressionDays = await SourceCatalog.ExistingDaysAsync(connection, spec.Impressions, first, last, ct).ConfigureAwait(false);
        // The events that can label the range, and the impressions the orphan check looks an event's up in.
        var (around, until) = (first.AddDays(-spec.ConversionWindowDays - 1), last.AddDays(spec.ConversionWindowDays + 1));
        var events = new Dictionary<string, EventSource>(StringComparer.Ordinal);
        var setting = 0;
        foreach (var (name, shape) in shapes)
        {
            var options = spec.Source.Event(name)!;
            var table = spec.EventTable(name);
            var days = await SourceCatalog.ExistingDaysAsync(connection, table, around, until, ct).ConfigureAwait(false);
            events.Add(name, new EventSource(options, table, shape!, days, setting));
            setting += options.Where.Count;
        }
        var lookupDays = await SourceCatalog.ExistingDaysAsync(connection, spec.Impressions, around, until, ct).ConfigureAwait(false);
        var sql = new SourceSql(spec, impressions!, events, impressionDays, lookupDays);
        await sql.BindAsync(connection, ct).ConfigureAwait(false);
        return sql;
    }

    /// <summary>Everything wrong with the mapping against the catalog, each naming the relation and the column; empty when it reads.</summary>
    public static async Task<IReadOnlyList<string>> ProblemsAsync(NpgsqlConnection connection, SourceSpec spec, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return (await ShapesAsync(connection, spec, null, ct).ConfigureAwait(false)).Problems;
    }

    /// <summary>The impressions' shape, every event relation's (the conversions first, then each of Source:Events), and every problem.</summary>
    private static async Task<(SourceRelation? Impressions, List<(string Name, SourceRelation? Shape)> Events, List<string> Problems)> ShapesAsync(
        NpgsqlConnection connection, SourceSpec spec, DateOnly? day, CancellationToken ct)
    {
        var i = spec.Source.Impressions;
        var impressions = await ShapeAsync(connection, spec.Impressions, day, ct).ConfigureAwait(false);
        var problems = new List<string>();
        var change = spec.Source.ChangeColumn;
        IEnumerable<(string, string)> Changed() => change is null ? [] : [(change, "timestamp or number")];
        var labelColumns = spec.Labels.Where(l => l.Label.Column is not null).Select(l => (l.Label.Column!, l.IsValue ? "number" : "boolean or integer"));
        Check(problems, spec.Impressions, impressions, "Impressions",
            [(i.Id, "integer"), (i.Time, "timestamptz"), (i.Clicked, "boolean or integer"),
             .. spec.Features.Categorical.Concat(spec.Features.Numeric).Select(f => (f, "")), .. labelColumns, .. Changed()]);
        var events = new List<(string, SourceRelation?)>();
        foreach (var name in new[] { SourceOptions.ConversionsEvent }.Concat(spec.Source.Events.Keys.Order(StringComparer.Ordinal)))
        {
            var options = spec.Source.Event(name)!;
            var shape = await ShapeAsync(connection, spec.EventTable(name), day, ct).ConfigureAwait(false);
            var values = spec.Labels.Where(l => l.Label.Event == name && l.Label.Value is not null).Select(l => (l.Label.Value!, "number"));
            Check(problems, spec.EventTable(name), shape, SourceOptions.EventKey(name),
                [(options.ImpressionId, "integer"), (options.Time, "timestamptz"), .. options.Where.Keys.Select(k => (k, "")), .. values, .. Changed()]);
            events.Add((name, shape));
        }
        if (spec.Source.ChangeDetection == SourceOptions.RowVersion)
        {
            foreach (var relation in new[] { impressions }.Concat(events.Select(e => e.Item2)).OfType<SourceRelation>().Where(r => !r.IsTable))
                problems.Add($"{relation.Name} is a {relation.KindText}, which has no row versions: set Source:ChangeDetection to column:<a column that changes with every write, such as ingested_at> or none");
        }
        return (impressions, events, problems);
    }

    private static async Task<SourceRelation?> ShapeAsync(NpgsqlConnection connection, SourceTable table, DateOnly? day, CancellationToken ct) =>
        table.PerDay && day is { } d
            ? await SourceCatalog.DescribeAsync(connection, table, d, ct).ConfigureAwait(false) ?? await SourceCatalog.RepresentativeAsync(connection, table, ct).ConfigureAwait(false)
            : await SourceCatalog.RepresentativeAsync(connection, table, ct).ConfigureAwait(false);

    private static void Check(List<string> problems, SourceTable table, SourceRelation? relation, string key, IEnumerable<(string Column, string Type)> columns)
    {
        if (relation is null)
        {
            problems.Add(table.PerDay
                ? $"no relation matches Source:{key}:Table '{table.Text}' (one table per day)"
                : $"relation '{table.Text}' (Source:{key}:Table) does not exist, or is not visible to this role");
            return;
        }
        var listed = columns.ToList();
        var missing = listed.Select(c => c.Column).Where(c => !relation.Columns.ContainsKey(c)).Distinct(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
            problems.Add($"{relation.Name} has no column {string.Join(", ", missing.Select(m => $"'{m}'"))} (it has: {string.Join(", ", relation.Columns.Keys.Order(StringComparer.Ordinal))})");
        foreach (var (column, type) in listed.Where(c => c.Type.Length > 0 && relation.Columns.ContainsKey(c.Column)))
        {
            var actual = relation.Columns[column];
            var fits = type switch
            {
                "integer" => actual is "int2" or "int4" or "int8",
                "timestamptz" => actual == "timestamptz",
                "timestamp or number" => Changes(actual),
                "number" => Number(actual),
                _ => actual is "bool" or "int2" or "int4" or "int8",
            };
            if (!fits)
                problems.Add($"{relation.Name}.{column} is {actual}, not {type}" + (type == "timestamptz" ? " (a view can convert it: … at time zone '<its zone>')" : ""));
        }
    }

    /// <summary>Binds every event relation's filter values on <paramref name="connection"/>, for this session.</summary>
    public async Task BindAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var values = _events.Values.OrderBy(e => e.FirstSetting).SelectMany(e => e.Options.Where.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => w.Value)).ToArray();
        if (values.Length == 0) return;
        await using var command = new NpgsqlCommand("select count(set_config('batch.source_where_' || (o - 1), v, false)) from unnest(@values) with ordinality as u(v, o)", connection);
        command.Parameters.AddWithValue("values", values);
        await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The impressions of [<paramref name="start"/>, <paramref name="end"/>) as a subquery (no alias).</summary>
    /// <param name="extra">null, <c>version</c> (the row's xmin as batch_version) or <c>change</c> (the change column as text, batch_change)</param>
    public string Impressions(DateTimeOffset start, DateTimeOffset end, string? extra = null)
    {
        var i = _spec.Source.Impressions;
        var (first, last) = DaysOf(start, end);
        var days = _spec.Impressions.PerDay ? _impressionDays.Where(d => d >= first && d <= last) : _impressionDays.Take(1);
        var branches = days.Select(day =>
            $"select r.{Column(i.Id)}::int8 as batch_id, r.{Column(i.Time)} as batch_time, {_clicked} as batch_clicked" +
            string.Concat(_spec.Features.Categorical.Select((c, k) => $", r.{Column(c)}::{(Integral[k] ? "int8" : "text")} as c{k}")) +
            string.Concat(_spec.Features.Numeric.Select((n, k) => $", r.{Column(n)}::float8 as n{k}")) +
            string.Concat(LabelColumns.Select(l => $", {LabelColumn(l.Label)} as l{l.Index}")) +
            Extra(extra, _impressions) +
            $" from {_spec.Impressions.Quoted(day)} r where r.{Column(i.Time)} >= {Literal(start)} and r.{Column(i.Time)} < {Literal(end)}").ToList();
        if (branches.Count == 0)
            branches.Add("select null::int8 as batch_id, null::timestamptz as batch_time, null::bool as batch_clicked" +
                string.Concat(Integral.Select((integral, k) => $", null::{(integral ? "int8" : "text")} as c{k}")) +
                string.Concat(_spec.Features.Numeric.Select((_, k) => $", null::float8 as n{k}")) +
                string.Concat(LabelColumns.Select(l => $", null::float8 as l{l.Index}")) +
                (extra is null ? "" : extra == "version" ? ", null::xid as batch_version" : ", null::numeric as batch_change") + " where false");
        return string.Join(" union all ", branches);
    }

    /// <summary>
    /// The conversions of [<paramref name="start"/>, <paramref name="end"/> + <paramref name="windowDays"/> days) as a
    /// subquery (no alias), the filter applied; the days are added by the database, as interval arithmetic.
    /// </summary>
    public string Conversions(DateTimeOffset start, DateTimeOffset end, int windowDays = 0, string? extra = null) =>
        Events(SourceOptions.ConversionsEvent, start, end, windowDays, extra);

    /// <summary>
    /// The events of relation <paramref name="name"/> (<c>conversions</c> or one of Source:Events) in [<paramref name="start"/>,
    /// <paramref name="end"/> + <paramref name="windowDays"/> days), as <see cref="Conversions"/> gives the conversions:
    /// <c>batch_impression</c>, <c>batch_time</c>, and <c>batch_value</c> (the column <paramref name="value"/> as float8) when given.
    /// </summary>
    public string Events(string name, DateTimeOffset start, DateTimeOffset end, int windowDays = 0, string? extra = null, string? value = null)
    {
        var e = _events[name];
        var c = e.Options;
        var (first, last) = DaysOf(start, end.AddDays(windowDays + 1));
        var until = windowDays == 0 ? Literal(end) : $"{Literal(end)} + interval '{windowDays} days'";
        var filter = string.Concat(c.Where.Keys.Order(StringComparer.Ordinal).Select((k, n) => $" and r.{Column(k)}::text = current_setting('batch.source_where_{e.FirstSetting + n}')"));
        var valued = value is null ? "" : $", r.{Column(value)}::float8 as batch_value";
        var branches = e.Days.Where(d => !e.Table.PerDay || d >= first && d <= last).Take(e.Table.PerDay ? int.MaxValue : 1).Select(day =>
            $"select r.{Column(c.ImpressionId)}::int8 as batch_impression, r.{Column(c.Time)} as batch_time" + valued + Extra(extra, e.Shape) +
            $" from {e.Table.Quoted(day)} r where r.{Column(c.Time)} >= {Literal(start)} and r.{Column(c.Time)} < {until}{filter}").ToList();
        if (branches.Count == 0)
            branches.Add("select null::int8 as batch_impression, null::timestamptz as batch_time" + (value is null ? "" : ", null::float8 as batch_value") +
                (extra is null ? "" : extra == "version" ? ", null::xid as batch_version" : ", null::numeric as batch_change") + " where false");
        return string.Join(" union all ", branches);
    }

    /// <summary>
    /// The labels of the spec read as columns of the COPY, after converted, as <c>l{k}</c> float8 each: an impressions
    /// column as it is (0/1 for a binary one), an event as 0/1 (one within the conversion window of the impression), an
    /// event value as the sum of the values of those events (0 without any). With the joins they need on <c>i</c>.
    /// </summary>
    public (string Columns, string Joins) LabelSelect(DateTimeOffset start, DateTimeOffset end)
    {
        var window = _spec.ConversionWindowDays;
        var columns = new StringBuilder();
        var joins = new StringBuilder();
        for (var k = 0; k < _spec.Labels.Count; k++)
        {
            var label = _spec.Labels[k].Label;
            if (label.Column is not null) { columns.Append(C, $", i.l{k}"); continue; }
            if (label.Value is null)
            {
                columns.Append(C, $", coalesce(e{k}.first_at <= i.batch_time + interval '{window} days', false)::int::float8 as l{k}");
                joins.Append(C, $" left join (select c.batch_impression, min(c.batch_time) as first_at from ({Events(label.Event!, start, end, window)}) c group by c.batch_impression) e{k} on e{k}.batch_impression = i.batch_id");
                continue;
            }
            // A value's events are summed per impression over its own window: joined to the impressions' ids and times.
            columns.Append(C, $", coalesce(e{k}.total, 0)::float8 as l{k}");
            joins.Append(C, $" left join (select c.batch_impression, sum(c.batch_value) as total from ({Events(label.Event!, start, end, window, value: label.Value)}) c" +
                $" join (select batch_id, batch_time from ({Impressions(start, end)}) x) w on w.batch_id = c.batch_impression" +
                $" where c.batch_time <= w.batch_time + interval '{window} days' group by c.batch_impression) e{k} on e{k}.batch_impression = i.batch_id");
        }
        return (columns.ToString(), joins.ToString());
    }

    /// <summary>The spec's labels that are impressions columns, with their index among the labels.</summary>
    private IEnumerable<(ExtraLabel Label, int Index)> LabelColumns => _spec.Labels.Select((l, k) => (l, k)).Where(l => l.l.Label.Column is not null);

    /// <summary>An impressions column label as float8: a binary one as 0/1 (a boolean, or an integer other than 0), a value as it is.</summary>
    private string LabelColumn(ExtraLabel label)
    {
        var column = "r." + Column(label.Label.Column!);
        return label.IsValue ? $"{column}::float8" : $"({Flag(column, _impressions.Columns[label.Label.Column!])})::int::float8";
    }

    /// <summary>A boolean or integer 0/1 column as a boolean.</summary>
    private static string Flag(string column, string type) => type == "bool" ? column : $"({column} <> 0)";

    /// <summary>
    /// The earliest time of impression <paramref name="idExpression"/> in the impressions relation (per day: in the days
    /// around the range read), as a scalar subquery.
    /// </summary>
    public string ImpressionTime(string idExpression)
    {
        var i = _spec.Source.Impressions;
        var days = _spec.Impressions.PerDay ? _lookupDays : _lookupDays.Take(1);
        var branches = days.Select(day => $"select r.{Column(i.Time)} as t from {_spec.Impressions.Quoted(day)} r where r.{Column(i.Id)} = {idExpression}").ToList();
        return branches.Count == 0 ? "null::timestamptz" : $"(select min(x.t) from ({string.Join(" union all ", branches)}) x)";
    }

    /// <summary>The relation of the impressions of <paramref name="day"/> as a quoted name, for <c>to_regclass</c>.</summary>
    public string ImpressionsRelation(DateOnly day) => _spec.Impressions.Quoted(day);

    /// <summary>The extra column of a branch: the row's version, or its change column as an exact number (a time as its epoch).</summary>
    private string Extra(string? extra, SourceRelation relation)
    {
        if (extra is null) return "";
        if (extra == "version") return ", r.xmin as batch_version";
        var change = _spec.Source.ChangeColumn!;
        var column = "r." + Column(change);
        return relation.Columns[change] is "timestamptz" or "timestamp" or "date"
            ? $", extract(epoch from {column}) as batch_change"
            : $", {column}::numeric as batch_change";
    }

    /// <summary>Whether a column of this type can detect changes: a time, or a number such as a version counter.</summary>
    private static bool Changes(string type) => type is "timestamptz" or "timestamp" or "date" || Number(type);

    private static bool Number(string type) => type is "int2" or "int4" or "int8" or "numeric" or "float4" or "float8";

    private (DateOnly First, DateOnly Last) DaysOf(DateTimeOffset start, DateTimeOffset end) =>
        (DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(start, _spec.Zone).DateTime),
         DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(end.AddTicks(-1), _spec.Zone).DateTime));

    /// <summary>A column name as a quoted identifier.</summary>
    private static string Column(string name) => SourceTable.Identifier(name);

    /// <summary>An instant as a timestamptz literal (written by us, from a DateTimeOffset).</summary>
    public static string Literal(DateTimeOffset instant) =>
        "'" + instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", C) + "+00'::timestamptz";

    /// <summary>The bounds of the days [first, last] in the business time zone.</summary>
    public (DateTimeOffset Start, DateTimeOffset End) Bounds(DateOnly first, DateOnly last) =>
        (DataDays.Bounds(first, _spec.Zone).Start, DataDays.Bounds(last, _spec.Zone).End);
}
