using System.Text.RegularExpressions;

namespace Batch.Core.Options;

/// <summary>
/// What a model may be called. A model's name becomes blob folders (<c>{model}/versions/…</c>), recurring job ids, the
/// Models page's anchors and the ledger's rows, so it is kept to what is safe in all of them.
/// </summary>
public static partial class ModelNames
{
    public const string Rule = "1 to 63 lower-case letters, digits and hyphens, starting with a letter or digit";

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex Valid();

    /// <summary>Why <paramref name="name"/> cannot name a model, or null.</summary>
    public static string? Problem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Valid().IsMatch(name) ? null : $"model name '{name}' is not {Rule} (Batch:Models:<name>)";
    }
}
