namespace Batch.Core.Options;

/// <summary>
/// Where a model's rows come from: the user's impression and conversion relations, as they are named. The defaults
/// are the canonical tables (<c>impressions</c>, <c>conversions</c>) the demo and the tests create.
/// </summary>
public sealed class SourceOptions
{
    public const string RowVersion = "row-version";
    public const string NoChangeDetection = "none";
    public const string ColumnPrefix = "column:";

    /// <summary>The name a task's label uses for the <see cref="Conversions"/> relation.</summary>
    public const string ConversionsEvent = "conversions";

    public ImpressionSourceOptions Impressions { get; set; } = new();
    public ConversionSourceOptions Conversions { get; set; } = new();

    /// <summary>
    /// Further event relations a task's label can name (<c>{"Event": "carts"}</c>), each shaped like
    /// <see cref="Conversions"/>: one row per event, naming the impression it is attributed to. Empty by default.
    /// </summary>
    public Dictionary<string, ConversionSourceOptions> Events { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The event relation a task's label names: <c>conversions</c> or a key of <see cref="Events"/>; null when neither.</summary>
    public ConversionSourceOptions? Event(string name) =>
        name == ConversionsEvent ? Conversions : Events.GetValueOrDefault(name);

    /// <summary>The configuration key of an event relation, for messages: <c>Conversions</c> or <c>Events:{name}</c>.</summary>
    public static string EventKey(string name) => name == ConversionsEvent ? "Conversions" : $"Events:{name}";

    /// <summary>
    /// How a day's shard is known to be stale: <c>row-version</c> (the rows' xmin, for tables), <c>column:&lt;name&gt;</c>
    /// (the largest value of a change column such as <c>ingested_at</c>, for views and foreign tables) or <c>none</c>
    /// (every day read again each run).
    /// </summary>
    public string ChangeDetection { get; set; } = RowVersion;

    /// <summary>The change column of <c>column:&lt;name&gt;</c>; null for the other modes.</summary>
    public string? ChangeColumn =>
        ChangeDetection.StartsWith(ColumnPrefix, StringComparison.Ordinal) ? ChangeDetection[ColumnPrefix.Length..] : null;

    public IEnumerable<string> Problems()
    {
        foreach (var problem in Impressions.Problems().Concat(Conversions.Problems("Conversions"))) yield return problem;
        foreach (var (name, relation) in Events)
        {
            if (name == ConversionsEvent) yield return $"Source:Events:{name}: '{ConversionsEvent}' is the name of Source:Conversions; give the relation another name";
            else if (!TaskOptions.IsName(name))
                yield return $"Source:Events:{name}: an event's name is {TaskOptions.NameRule}";
            foreach (var problem in relation.Problems(EventKey(name))) yield return problem;
        }
        if (ChangeDetection is not (RowVersion or NoChangeDetection) && string.IsNullOrEmpty(ChangeColumn))
            yield return $"Source:ChangeDetection must be {RowVersion}, {ColumnPrefix}<column> or {NoChangeDetection} (it is '{ChangeDetection}')";
    }

    /// <summary>What is wrong with a configured name: empty, or holding characters no identifier of ours may hold.</summary>
    internal static string? NameProblem(string key, string? name) =>
        string.IsNullOrWhiteSpace(name) ? $"Source:{key} must name a column"
        : name.Length > 63 || name.Any(char.IsControl) ? $"Source:{key} ('{name}') is not a column name: at most 63 characters, no control characters"
        : null;
}

/// <summary>The impressions relation: one row per impression, with its id, time and whether it was clicked.</summary>
public sealed class ImpressionSourceOptions
{
    /// <summary>
    /// A table, partitioned table or view, optionally schema-qualified (<c>logs.ad_views</c>), or one table per data day
    /// named with a date pattern in braces (<c>logs.ad_views_{yyyyMMdd}</c>).
    /// </summary>
    public string Table { get; set; } = "impressions";

    /// <summary>The impression's id: an integer column, unique across days.</summary>
    public string Id { get; set; } = "id";

    /// <summary>When the impression was shown: a <c>timestamptz</c> column.</summary>
    public string Time { get; set; } = "event_time";

    /// <summary>Whether it was clicked: a boolean or an integer 0/1 column.</summary>
    public string Clicked { get; set; } = "clicked";

    public IEnumerable<string> Problems() =>
        new[]
        {
            SourceTable.Problem("Impressions:Table", Table),
            SourceOptions.NameProblem("Impressions:Id", Id),
            SourceOptions.NameProblem("Impressions:Time", Time),
            SourceOptions.NameProblem("Impressions:Clicked", Clicked),
        }.OfType<string>();
}

/// <summary>An event relation (the conversions, or one of <see cref="SourceOptions.Events"/>): one row per event, naming the impression it is attributed to.</summary>
public sealed class ConversionSourceOptions
{
    /// <summary>As <see cref="ImpressionSourceOptions.Table"/>.</summary>
    public string Table { get; set; } = "conversions";

    /// <summary>The impression the conversion is attributed to: an integer column.</summary>
    public string ImpressionId { get; set; } = "impression_id";

    /// <summary>When the conversion happened: a <c>timestamptz</c> column.</summary>
    public string Time { get; set; } = "event_time";

    /// <summary>
    /// Only rows whose column equals the value count (each entry one column = value, compared as text), e.g.
    /// <c>{"status": "paid"}</c> for an orders table with several kinds of rows; empty: every row.
    /// </summary>
    public Dictionary<string, string> Where { get; set; } = new(StringComparer.Ordinal);

    /// <param name="key">its configuration key: <c>Conversions</c> or <c>Events:{name}</c></param>
    public IEnumerable<string> Problems(string key) =>
        new[]
        {
            SourceTable.Problem($"{key}:Table", Table),
            SourceOptions.NameProblem($"{key}:ImpressionId", ImpressionId),
            SourceOptions.NameProblem($"{key}:Time", Time),
        }.Concat(Where.Keys.Select(k => SourceOptions.NameProblem($"{key}:Where:{k}", k))).OfType<string>();
}
