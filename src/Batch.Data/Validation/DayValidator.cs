using Batch.Core.Frames;
using Batch.Core.Options;

namespace Batch.Data.Validation;

/// <summary>Row-level and label checks that a day window must pass before a model trains or is scored on it.</summary>
public static class DayValidator
{
    private const int ExampleIds = 5;

    /// <summary>Every problem found, each a sentence an operator can act on; empty when the frame is usable.</summary>
    public static IReadOnlyList<string> Problems(DayFrame frame, string purpose)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var problems = new List<string>();
        var window = frame.FirstDay == frame.LastDay ? $"{frame.FirstDay:yyyy-MM-dd}" : $"{frame.FirstDay:yyyy-MM-dd}..{frame.LastDay:yyyy-MM-dd}";
        if (frame.Count == 0)
        {
            problems.Add($"{purpose} window {window} has no impressions; has the day been loaded?");
            return problems;
        }
        foreach (var column in frame.Numeric)
        {
            var bad = Enumerable.Range(0, frame.Count).Where(i => !double.IsFinite(column.Values[i])).ToList();
            if (bad.Count > 0)
                problems.Add($"{purpose} window {window}: {bad.Count} impressions have a missing or non-finite {column.Name} (ids {Examples(frame, bad)})");
        }
        var orphan = Enumerable.Range(0, frame.Count).Where(i => frame.Converted[i] && !frame.Clicked[i]).ToList();
        if (orphan.Count > 0)
            problems.Add($"{purpose} window {window}: {orphan.Count} impressions have a conversion but no click (ids {Examples(frame, orphan)})");
        var clicks = frame.Clicked.Count(c => c);
        var conversions = frame.Converted.Count(c => c);
        if (clicks == 0 || clicks == frame.Count)
            problems.Add($"{purpose} window {window}: {clicks} clicks in {frame.Count} impressions; both clicked and unclicked impressions are needed");
        if (conversions == 0)
            problems.Add($"{purpose} window {window}: no conversions among {frame.Count} impressions; is the conversions table loaded?");
        return problems;
    }

    /// <summary>
    /// The held-out day against the training window: a day with a fraction of its usual impressions, or with a
    /// click or conversion rate far from the window's, is more likely a broken load than a real change.
    /// </summary>
    public static IReadOnlyList<string> Drift(DayFrame heldOut, DayFrame train, int trainingDays, ValidationOptions options)
    {
        ArgumentNullException.ThrowIfNull(heldOut);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (heldOut.Count == 0 || train.Count == 0) return problems; // reported by Problems
        var day = $"{heldOut.FirstDay:yyyy-MM-dd}";
        var perDay = (double)train.Count / trainingDays;
        var volume = heldOut.Count / perDay;
        if (volume < options.MinVolumeRatio || volume > options.MaxVolumeRatio)
            problems.Add(FormattableString.Invariant(
                $"held-out day {day} has {heldOut.Count} impressions, {volume:F2}× the training window's {perDay:F0} per day (allowed {options.MinVolumeRatio}–{options.MaxVolumeRatio}×); is the day fully loaded?"));
        foreach (var (name, held, trained) in new[] { ("click", heldOut.Clicked, train.Clicked), ("conversion", heldOut.Converted, train.Converted) })
        {
            var trainRate = (double)trained.Count(l => l) / trained.Length;
            if (trainRate == 0) continue;
            var ratio = (double)held.Count(l => l) / held.Length / trainRate;
            if (ratio < options.MinRateRatio || ratio > options.MaxRateRatio)
                problems.Add(FormattableString.Invariant(
                    $"held-out day {day} has a {name} rate {ratio:F2}× the training window's {trainRate:P2} (allowed {options.MinRateRatio}–{options.MaxRateRatio}×); are its labels complete?"));
        }
        return problems;
    }

    private static string Examples(DayFrame frame, List<int> rows) =>
        string.Join(", ", rows.Take(ExampleIds).Select(i => frame.Ids[i])) + (rows.Count > ExampleIds ? ", …" : "");
}
