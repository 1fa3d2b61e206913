namespace Batch.Tests.Support;

/// <summary>
/// A reference page of docs/ read as the tests that keep it in step with the code need it: its sections (by their
/// <c>###</c> heading) and the rows of their tables, each row's cells trimmed.
/// </summary>
public sealed class MarkdownReference
{
    private readonly List<(string Heading, List<string[]> Rows)> _sections = [];

    private MarkdownReference(IEnumerable<string> lines)
    {
        var current = (Heading: "", Rows: new List<string[]>());
        _sections.Add(current);
        foreach (var line in lines)
        {
            if (line.StartsWith('#'))
            {
                current = (line.TrimStart('#').Trim(), new List<string[]>());
                _sections.Add(current);
            }
            else if (line.StartsWith('|') && !line.StartsWith("|---", StringComparison.Ordinal))
                current.Rows.Add(Cells(line));
        }
    }

    /// <summary>The page under docs/ of the clone the tests were built from.</summary>
    public static MarkdownReference Read(string page) =>
        new(File.ReadAllLines(Path.Combine(BatchProcess.RepositoryRoot(), "docs", page)));

    public IEnumerable<string> Headings => _sections.Select(s => s.Heading);

    /// <summary>The table rows of the section with this heading; none when there is no such section.</summary>
    public IReadOnlyList<string[]> RowsUnder(string heading) =>
        _sections.Where(s => s.Heading == heading).SelectMany(s => s.Rows).ToList();

    /// <summary>Every table row of the page.</summary>
    public IEnumerable<string[]> Rows => _sections.SelectMany(s => s.Rows);

    /// <summary>A cell's text without the backticks around it.</summary>
    public static string Code(string cell) => cell.Length >= 2 && cell[0] == '`' && cell[^1] == '`' ? cell[1..^1] : cell;

    private static string[] Cells(string line)
    {
        var inner = line.Trim().Trim('|');
        // A pipe inside backticks (none in our keys or defaults) would split a cell; the references do not use one.
        return inner.Split('|').Select(c => c.Trim()).ToArray();
    }
}
