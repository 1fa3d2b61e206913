using System.Globalization;

namespace Batch.Core.Options;

/// <summary>
/// A source relation as configured: an optional schema and a name, the name possibly holding one date pattern in braces
/// (<c>logs.ad_views_{yyyyMMdd}</c>: one table per data day). Names reach SQL only quoted (<see cref="Quoted"/>).
/// </summary>
public sealed record SourceTable(string? Schema, string Name, string? DayFormat)
{
    /// <summary>Whether each data day has a table of its own.</summary>
    public bool PerDay => DayFormat is not null;

    /// <summary>The relation as configured, for messages.</summary>
    public string Text => (Schema is null ? "" : Schema + ".") + Name;

    /// <summary>The relation's name on <paramref name="day"/> (the name itself when it is not per day).</summary>
    public string NameOn(DateOnly day) =>
        DayFormat is null ? Name : Name.Replace("{" + DayFormat + "}", day.ToString(DayFormat, CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>The relation on <paramref name="day"/> as a quoted, schema-qualified identifier (unqualified: the search path's).</summary>
    public string Quoted(DateOnly day) => (Schema is null ? "" : Identifier(Schema) + ".") + Identifier(NameOn(day));

    /// <summary>The relation for messages on <paramref name="day"/>.</summary>
    public string TextOn(DateOnly day) => (Schema is null ? "" : Schema + ".") + NameOn(day);

    /// <summary>A name as a PostgreSQL quoted identifier: whatever it holds, it is a name, never SQL.</summary>
    public static string Identifier(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    public static SourceTable Parse(string text) =>
        TryParse(text, out var table, out var problem) ? table! : throw new FormatException(problem);

    /// <summary>What is wrong with <paramref name="text"/> as the relation of <paramref name="key"/>, or null.</summary>
    public static string? Problem(string key, string? text) =>
        TryParse(text, out _, out var problem) ? null : $"Source:{key}: {problem}";

    private static bool TryParse(string? text, out SourceTable? table, out string problem)
    {
        table = null;
        problem = "";
        if (string.IsNullOrWhiteSpace(text)) { problem = "no relation named"; return false; }
        var open = text.IndexOf('{', StringComparison.Ordinal);
        var dot = open < 0 ? text.IndexOf('.', StringComparison.Ordinal) : text.LastIndexOf('.', open);
        var (schema, name) = dot < 0 ? (null, text) : (text[..dot], text[(dot + 1)..]);
        var outsideBraces = open < 0 ? name : name[..name.IndexOf('{', StringComparison.Ordinal)] + name[(name.LastIndexOf('}') + 1)..];
        if (schema is not null && !Plain(schema) || name.Length == 0 || name.Any(char.IsControl) || name.Length > 100 || outsideBraces.Contains('.', StringComparison.Ordinal))
        {
            problem = $"'{text}' is not a relation: [schema.]name, each part at most 63 characters without control characters or dots, the name with at most one {{date pattern}}";
            return false;
        }
        string? format = null;
        if (open >= 0)
        {
            var close = name.IndexOf('}', StringComparison.Ordinal);
            var start = name.IndexOf('{', StringComparison.Ordinal);
            if (close < start || name.IndexOf('{', start + 1) >= 0 || name.IndexOf('}', close + 1) >= 0)
            {
                problem = $"'{text}' must hold at most one date pattern, in braces ({{yyyyMMdd}})";
                return false;
            }
            format = name[(start + 1)..close];
            string sample;
            try { sample = new DateOnly(2026, 12, 31).ToString(format, CultureInfo.InvariantCulture); }
            catch (FormatException) { problem = $"'{{{format}}}' in '{text}' is not a date pattern"; return false; }
            if (sample == format || format.Length == 0) { problem = $"'{{{format}}}' in '{text}' does not change with the day"; return false; }
        }
        else if (name.Contains('}', StringComparison.Ordinal))
        {
            problem = $"'{text}' has a '}}' without its '{{'";
            return false;
        }
        table = new SourceTable(schema, name, format);
        return true;
    }

    private static bool Plain(string part) => part.Length is > 0 and <= 63 && !part.Any(char.IsControl) && !part.Contains('.', StringComparison.Ordinal);
}
