using System.Globalization;
using Batch.Core.Frames;
using Batch.Core.Options;

namespace Batch.Data.Validation;

/// <summary>Row-level, per-day and label checks that a window must pass before a model trains or is scored on it.</summary>
public static class DayValidator
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Row checks of one frame: present, finite numbers, conversions only after clicks, both labels present.</summary>
    public static IReadOnlyList<ValidationFinding> Rows(DayFrame frame, string purpose)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var subject = Subject(frame, purpose);
        var findings = new List<ValidationFinding>();
        if (frame.Count == 0)
        {
            findings.Add(new("rows-present", subject, "0 impressions", "at least 1", $"{DayText(frame.FirstDay)}..{DayText(frame.LastDay)} (is the day loaded, is its partition attached?)"));
            return findings;
        }
        foreach (var column in frame.Numeric)
        {
            var bad = Enumerable.Range(0, frame.Count).Where(i => !double.IsFinite(column.Values[i])).ToList();
            if (bad.Count > 0)
                findings.Add(new($"finite-{column.Name}", subject, $"{bad.Count} impressions have a missing or non-finite {column.Name}", "0", "ids " + ValidationFinding.First(bad.Select(i => frame.Ids[i]))));
        }
        var orphan = Enumerable.Range(0, frame.Count).Where(i => frame.Converted[i] && !frame.Clicked[i]).ToList();
        if (orphan.Count > 0)
            findings.Add(new("conversion-without-click", subject, $"{orphan.Count} impressions have a conversion but no click", "0", "ids " + ValidationFinding.First(orphan.Select(i => frame.Ids[i]))));
        var clicks = frame.Clicked.Count(c => c);
        if (clicks == 0 || clicks == frame.Count)
            findings.Add(new("click-mix", subject, $"{clicks} clicks in {frame.Count} impressions", "both clicked and unclicked impressions", ""));
        if (frame.Converted.All(c => !c))
            findings.Add(new("conversions-present", subject, $"0 conversions among {frame.Count} impressions", "at least 1 (is the conversions table loaded?)", ""));
        return findings;
    }

    /// <summary>
    /// Every day of the training window present, each with a row count within the configured band of the
    /// window's median day: a day missing or half loaded is a broken load, not a quiet day.
    /// </summary>
    public static IReadOnlyList<ValidationFinding> WindowDays(DayFrame train, ValidationOptions options)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        var counts = train.RowsPerDay();
        var findings = new List<ValidationFinding>();
        var subject = Subject(train, "training");
        var empty = Enumerable.Range(0, counts.Length).Where(d => counts[d] == 0).ToList();
        if (empty.Count > 0 && empty.Count < counts.Length)
            findings.Add(new("day-present", subject, $"{empty.Count} of {counts.Length} days have no impressions", "every day present",
                "days " + ValidationFinding.First(empty.Select(d => DayText(train.FirstDay.AddDays(d))))));
        var present = counts.Where(c => c > 0).Order().ToArray();
        if (present.Length == 0) return findings; // the frame is empty: reported by Rows
        var median = present.Length % 2 == 1 ? present[present.Length / 2] : (present[present.Length / 2 - 1] + present[present.Length / 2]) / 2.0;
        var outside = Enumerable.Range(0, counts.Length)
            .Where(d => counts[d] > 0 && (counts[d] < options.MinDayVolumeRatio * median || counts[d] > options.MaxDayVolumeRatio * median)).ToList();
        if (outside.Count > 0)
            findings.Add(new("day-volume", subject, $"{outside.Count} days outside the band around the median day of {median.ToString("F0", C)} impressions",
                string.Create(C, $"{options.MinDayVolumeRatio}–{options.MaxDayVolumeRatio}× the median"),
                ValidationFinding.First(outside.Select(d => string.Create(C, $"{DayText(train.FirstDay.AddDays(d))} ({counts[d]} impressions, {counts[d] / median:F2}×)")))));
        return findings;
    }

    /// <summary>An impression id may appear once across the training window and the held-out day together.</summary>
    public static IReadOnlyList<ValidationFinding> DuplicateIds(DayFrame train, DayFrame heldOut)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(heldOut);
        var ids = new long[train.Count + heldOut.Count];
        train.Ids.CopyTo(ids, 0);
        heldOut.Ids.CopyTo(ids, train.Count);
        Array.Sort(ids);
        var duplicates = new List<long>();
        for (var i = 1; i < ids.Length; i++)
            if (ids[i] == ids[i - 1] && (duplicates.Count == 0 || duplicates[^1] != ids[i])) duplicates.Add(ids[i]);
        if (duplicates.Count == 0) return [];
        return [new("duplicate-impression-id", $"training window and held-out day {DayText(train.FirstDay)}..{DayText(heldOut.LastDay)}",
            $"{duplicates.Count} impression ids occur more than once", "each id once", "ids " + ValidationFinding.First(duplicates))];
    }

    /// <summary>
    /// The held-out day against the training window: a day with a fraction of its usual impressions, or with a
    /// click or conversion rate far from the window's, is more likely a broken load than a real change.
    /// </summary>
    public static IReadOnlyList<ValidationFinding> Drift(DayFrame heldOut, DayFrame train, int trainingDays, ValidationOptions options)
    {
        ArgumentNullException.ThrowIfNull(heldOut);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        var findings = new List<ValidationFinding>();
        if (heldOut.Count == 0 || train.Count == 0) return findings; // reported by Rows
        var subject = Subject(heldOut, "held-out");
        var perDay = (double)train.Count / trainingDays;
        var volume = heldOut.Count / perDay;
        if (volume < options.MinVolumeRatio || volume > options.MaxVolumeRatio)
            findings.Add(new("held-out-volume", subject, string.Create(C, $"{heldOut.Count} impressions, {volume:F2}× the training window's {perDay:F0} per day"),
                string.Create(C, $"{options.MinVolumeRatio}–{options.MaxVolumeRatio}×"), $"day {DayText(heldOut.FirstDay)} (is it fully loaded?)"));
        foreach (var (name, held, trained) in new[] { ("click", heldOut.Clicked, train.Clicked), ("conversion", heldOut.Converted, train.Converted) })
        {
            var trainRate = (double)trained.Count(l => l) / trained.Length;
            if (trainRate == 0) continue;
            var ratio = (double)held.Count(l => l) / held.Length / trainRate;
            if (ratio < options.MinRateRatio || ratio > options.MaxRateRatio)
                findings.Add(new($"held-out-{name}-rate", subject, string.Create(C, $"{name} rate {ratio:F2}× the training window's {trainRate:P2}"),
                    string.Create(C, $"{options.MinRateRatio}–{options.MaxRateRatio}×"), $"day {DayText(heldOut.FirstDay)} (are its labels complete?)"));
        }
        return findings;
    }

    private static string Subject(DayFrame frame, string purpose) =>
        frame.FirstDay == frame.LastDay ? $"{purpose} day {DayText(frame.FirstDay)}" : $"{purpose} window {DayText(frame.FirstDay)}..{DayText(frame.LastDay)}";

    private static string DayText(DateOnly day) => day.ToString("yyyy-MM-dd", C);
}
