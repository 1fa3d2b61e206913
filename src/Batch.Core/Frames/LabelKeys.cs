using Batch.Core.Options;

namespace Batch.Core.Frames;

/// <summary>
/// How a task's label is named in a frame: <c>clicked</c> and <c>converted</c> are the impressions' clicked column and
/// the conversions (every frame has them); any other label is an extra column of the frame, named
/// <c>column:{name}</c> (an impressions column), <c>event:{relation}</c> (an event within the conversion window) or
/// <c>value:{relation}.{column}</c> (the sum of the events' values within it).
/// </summary>
public static class LabelKeys
{
    public const string Clicked = "clicked";
    public const string Converted = "converted";

    public static string Of(TaskLabel label, bool regression, string clickedColumn)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (label.Column is { } column) return column == clickedColumn && !regression ? Clicked : $"column:{column}";
        if (label.Value is { } value) return $"value:{label.Event}.{value}";
        return label.Event == SourceOptions.ConversionsEvent ? Converted : $"event:{label.Event}";
    }

    /// <summary>The extra labels a profile's tasks need, with its clicked column as mapped.</summary>
    public static IReadOnlyList<ExtraLabel> Extra(ModelProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return Extra(profile.EffectiveTasks, profile.Source.Impressions.Clicked);
    }

    /// <summary>The extra labels (neither clicked nor converted) the tasks need, each once, in task order.</summary>
    public static IReadOnlyList<ExtraLabel> Extra(IReadOnlyList<TaskOptions> tasks, string clickedColumn)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        return tasks.Select(t => new ExtraLabel(t.LabelKey(clickedColumn), t.Label, t.IsRegression))
            .Where(l => l.Key is not (Clicked or Converted))
            .DistinctBy(l => l.Key).ToList();
    }
}

/// <summary>A label a frame carries besides clicked and converted: its key, where it comes from, and whether it is a value (else 0/1).</summary>
public sealed record ExtraLabel(string Key, TaskLabel Label, bool IsValue);
