namespace Batch.Data.Validation;

/// <summary>
/// One failed data check: its name, what it looked at, the value observed, the threshold it broke, and the first
/// offending ids or days.
/// </summary>
public sealed record ValidationFinding(string Check, string Subject, string Observed, string Threshold, string Offending)
{
    public override string ToString() =>
        $"[{Check}] {Subject}: {Observed} (threshold: {Threshold})" + (Offending.Length == 0 ? "" : $"; first offending: {Offending}");

    /// <summary>How many offenders a finding names.</summary>
    public const int Shown = 5;

    /// <summary>At most <paramref name="count"/> of <paramref name="items"/>, comma-separated, with an ellipsis when there are more.</summary>
    public static string First<T>(IEnumerable<T> items, int count = Shown)
    {
        ArgumentNullException.ThrowIfNull(items);
        var list = items.Take(count + 1).ToList();
        return string.Join(", ", list.Take(count)) + (list.Count > count ? ", …" : "");
    }
}
