using System.Collections;
using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using Batch.Host.Cli;
using Batch.Lab.Cli;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Host;

/// <summary>
/// docs/cli.md against the two command lines: every verb of <c>batch</c> and <c>batch-lab</c> has a section
/// (<c>### batch run</c>) whose table lists each of its flags with its type and default, the options every verb takes
/// are under <c>### batch</c> and <c>### batch-lab</c>, and nothing documented is missing from the code.
/// </summary>
public class CliReferenceTests
{
    private sealed record Flag(string Verb, string Name, string Type, string Default);

    private static IEnumerable<(string Verb, Command Command)> Verbs(Command command, string path)
    {
        if (command.Action is not null || command is RootCommand) yield return (path, command);
        foreach (var sub in command.Subcommands)
            foreach (var verb in Verbs(sub, $"{path} {sub.Name}"))
                yield return verb;
    }

    private static List<(string Verb, Command Command)> AllVerbs() =>
        [.. Verbs(OperatorCommands.Build(), "batch"), .. Verbs(LabCommands.Build(), "batch-lab")];

    private static IEnumerable<Flag> Flags(string verb, Command command) =>
        command.Options.Where(o => o is not (HelpOption or VersionOption))
            .Select(o => new Flag(verb, o.Name, TypeName(o.ValueType), Default(o)));

    private static string TypeName(Type type) =>
        type == typeof(bool) ? "flag"
        : type == typeof(int) || type == typeof(long) ? "integer"
        : type == typeof(double) ? "number"
        : type == typeof(string) ? "text"
        : type == typeof(string[]) ? "list of text"
        : type == typeof(double[]) ? "list of number"
        : throw new InvalidOperationException($"No documented name for {type}");

    private static string Default(Option option)
    {
        if (option.Required) return "required";
        if (!option.HasDefaultValue) return option.ValueType == typeof(bool) ? "false" : "unset";
        return option.GetDefaultValue() switch
        {
            null => "unset",
            bool b => b ? "true" : "false",
            string s => s,
            string[] list => string.Join(",", list),
            IEnumerable list => string.Join(" ", list.Cast<IFormattable>().Select(f => f.ToString(null, CultureInfo.InvariantCulture))),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var other => other.ToString() ?? "",
        };
    }

    [Fact]
    public void EveryVerbAndFlag_IsDocumentedWithItsTypeAndDefault()
    {
        var doc = MarkdownReference.Read("cli.md");
        var problems = new List<string>();
        foreach (var (verb, command) in AllVerbs())
        {
            if (!doc.Headings.Contains(verb)) { problems.Add($"no section '### {verb}' in docs/cli.md"); continue; }
            var rows = doc.RowsUnder(verb).Where(r => MarkdownReference.Code(r[0]).StartsWith("--", StringComparison.Ordinal))
                .ToDictionary(r => MarkdownReference.Code(r[0]), r => r);
            foreach (var flag in Flags(verb, command))
            {
                if (!rows.TryGetValue(flag.Name, out var row)) problems.Add($"{verb} {flag.Name} ({flag.Type}, default {flag.Default}) is not documented");
                else if (row.Length < 4) problems.Add($"{verb} {flag.Name}: the row needs flag, type, default and meaning");
                else
                {
                    if (row[1] != flag.Type) problems.Add($"{verb} {flag.Name}: documented type '{row[1]}', the code's is '{flag.Type}'");
                    if (MarkdownReference.Code(row[2]) != flag.Default) problems.Add($"{verb} {flag.Name}: documented default '{row[2]}', the code's is '{flag.Default}'");
                }
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void EveryDocumentedVerbAndFlag_IsInTheCode()
    {
        var doc = MarkdownReference.Read("cli.md");
        var verbs = AllVerbs().ToDictionary(v => v.Verb, v => Flags(v.Verb, v.Command).Select(f => f.Name).ToHashSet(StringComparer.Ordinal));
        var stale = new List<string>();
        foreach (var heading in doc.Headings.Where(h => h == "batch" || h == "batch-lab" || h.StartsWith("batch ", StringComparison.Ordinal) || h.StartsWith("batch-lab ", StringComparison.Ordinal)))
        {
            if (!verbs.TryGetValue(heading, out var flags)) { stale.Add($"'{heading}' is no verb"); continue; }
            stale.AddRange(doc.RowsUnder(heading).Select(r => MarkdownReference.Code(r[0]))
                .Where(f => f.StartsWith("--", StringComparison.Ordinal) && !flags.Contains(f)).Select(f => $"{heading} has no {f}"));
        }
        Assert.True(stale.Count == 0, string.Join("\n", stale));
        Assert.True(verbs.Count > 25, $"{verbs.Count} verbs found");
    }

    [Fact]
    public void TheProductsCommandLine_HasNoLabVerb()
    {
        var product = OperatorCommands.Build().Subcommands.Select(c => c.Name).ToList();
        Assert.Equal(["run", "rerun", "backfill", "status", "rollback", "promote", "reconcile", "score", "migrate", "serve", "worker", "plugins"], product);
        Assert.Empty(LabCommands.Build().Subcommands.Select(c => c.Name).Intersect(product));
    }
}
