namespace Batch.Pipeline.Ledger;

// The ledger's statuses and kinds. Each enum's names, lower-cased, are exactly the values its column's check
// constraint allows (StatusValuesTests holds them to it); LedgerValues turns them into and out of that text.

/// <summary><c>batch.runs.status</c>.</summary>
public enum RunStatus
{
    Running,
    Succeeded,
    Rejected,
    Failed,
    Abandoned,
}

/// <summary><c>batch.steps.status</c>.</summary>
public enum StepStatus
{
    Running,
    Succeeded,
    Failed,
}

/// <summary><c>batch.model_versions.status</c>: what the gate said of a written candidate.</summary>
public enum VersionStatus
{
    Approved,
    Rejected,
}

/// <summary><c>batch.promotions.status</c>.</summary>
public enum PromotionStatus
{
    Intent,
    Applied,
    Failed,
}

/// <summary><c>batch.promotions.kind</c>.</summary>
public enum PromotionKind
{
    Publish,
    Rollback,
    Promote,
}

/// <summary>The text the database holds for a status or kind, and back.</summary>
public static class LedgerValues
{
    /// <summary>The column's text for <paramref name="value"/>: its name in lower case.</summary>
    public static string Text<T>(this T value) where T : struct, Enum =>
        Enum.IsDefined(value) ? value.ToString().ToLowerInvariant() : throw new ArgumentOutOfRangeException(nameof(value), value, $"Not a {typeof(T).Name}.");

    /// <summary>The value a column's <paramref name="text"/> stands for; an unknown text is an error, never a default.</summary>
    public static T Parse<T>(string text) where T : struct, Enum
    {
        foreach (var value in Enum.GetValues<T>())
        {
            if (value.Text() == text) return value;
        }
        throw new FormatException($"'{text}' is not a {typeof(T).Name} ({string.Join(", ", Enum.GetValues<T>().Select(v => v.Text()))}).");
    }
}
