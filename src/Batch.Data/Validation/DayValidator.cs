using System.Globalization;
using Batch.Core.Frames;
using Batch.Core.Options;

namespace Batch.Data.Validation;

/// <summary>Row-level, per-day and label checks that a window must pass before a model trains or is scored on it.</summary>
public static class DayValidator
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Row checks of one frame: present, finite numbers, conversions only after clicks, both labels present.</summary>
    public static IReadOnlyList<ValidationFinding> Rows(DayFrame frame, string purpose) => Rows(RowSummary.Of(frame), purpose);

    /// <summary>The row checks of a window gathered part by part.</summary>
    public static IReadOnlyList<ValidationFinding> Rows(RowSummary rows, string purpose)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var subject = Subject(rows.FirstDay, rows.LastDay, purpose);
        var findings = new List<ValidationFinding>();
        if (rows.Count == 0)
        {
            findings.Add(new("rows-present", subject, "0 impressions", "at least 1", $"{DayText(rows.FirstDay)}..{DayText(rows.LastDay)} (is the day loaded, is its partition attached?)"));
            return findings;
        }
        foreach (var (column, bad, first) in rows.NonFinite)
        {
            if (bad > 0)
                findings.Add(new($"finite-{column}", subject, $"{bad} impressions have a missing or non-finite {column}", "0", "ids " + ValidationFinding.First(first)));
        }
        if (rows.OrphanCount > 0)
            findings.Add(new("conversion-without-click", subject, $"{rows.OrphanCount} impressions have a conversion but no click", "0", "ids " + ValidationFinding.First(rows.FirstOrphans)));
        if (rows.Clicks == 0 || rows.Clicks == rows.Count)
            findings.Add(new("click-mix", subject, $"{rows.Clicks} clicks in {rows.Count} impressions", "both clicked and unclicked impressions", ""));
        if (rows.Conversions == 0)
            findings.Add(new("conversions-present", subject, $"0 conversions among {rows.Count} impressions", "at least 1 (is the conversions table loaded?)", ""));
        return findings;
    }

    /// <summary>
    /// Every day of the training window present, each with a row count within the configured band of the
    /// window's median day: a day missing or half loaded is a broken load, not a quiet day.
    /// </summary>
    public static IReadOnlyList<ValidationFinding> WindowDays(DayFrame train, ValidationOptions options) => WindowDays(RowSummary.Of(train), options);

    /// <inheritdoc cref="WindowDays(DayFrame, ValidationOptions)"/>
    public static IReadOnlyList<ValidationFinding> WindowDays(RowSummary train, ValidationOptions options)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        var counts = train.RowsPerDay;
        var findings = new List<ValidationFinding>();
        var subject = Subject(train.FirstDay, train.LastDay, "training");
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
        return DuplicateIds(() => [train.Ids, heldOut.Ids], train.Count + heldOut.Count, train.FirstDay, heldOut.LastDay);
    }

    /// <summary>
    /// The same over ids read part by part (a day at a time) by <paramref name="parts"/>, which is called once per
    /// pass: each pass keeps only the ids of one residue class, so at most about <see cref="IdsPerPass"/> ids are
    /// held at once however many rows there are.
    /// </summary>
    public static IReadOnlyList<ValidationFinding> DuplicateIds(Func<IEnumerable<long[]>> parts, long total, DateOnly first, DateOnly last)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var passes = (int)Math.Max(1, (total + IdsPerPass - 1) / IdsPerPass);
        var duplicates = new List<long>();
        for (var pass = 0; pass < passes; pass++)
        {
            var ids = new List<long>();
            foreach (var part in parts())
                foreach (var id in part)
                    if ((int)(((id % passes) + passes) % passes) == pass) ids.Add(id);
            ids.Sort();
            for (var i = 1; i < ids.Count; i++)
                if (ids[i] == ids[i - 1] && (i < 2 || ids[i - 2] != ids[i])) duplicates.Add(ids[i]);
        }
        if (duplicates.Count == 0) return [];
        duplicates.Sort();
        return [new("duplicate-impression-id", $"training window and held-out day {DayText(first)}..{DayText(last)}",
            $"{duplicates.Count} impression ids occur more than once", "each id once", "ids " + ValidationFinding.First(duplicates))];
    }

    /// <summary>Ids held at once by the duplicate check of a window read part by part.</summary>
    public const long IdsPerPass = 2_000_000;

    /// <summary>
    /// The held-out day against the training window: a day with a fraction of its usual impressions, or with a
    /// click, conversion or further label's rate far from the window's, is more likely a broken load than a real change.
    /// </summary>
    public static IReadOnlyList<ValidationFinding> Drift(DayFrame heldOut, DayFrame train, int trainingDays, ValidationOptions options) =>
        Drift(RowSummary.Of(heldOut), RowSummary.Of(train), trainingDays, options);

    /// <inheritdoc cref="Drift(DayFrame, DayFrame, int, ValidationOptions)"/>
    public static IReadOnlyList<ValidationFinding> Drift(RowSummary heldOut, RowSummary train, int trainingDays, ValidationOptions options)
    {
        ArgumentNullException.ThrowIfNull(heldOut);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        var findings = new List<ValidationFinding>();
        if (heldOut.Count == 0 || train.Count == 0) return findings; // reported by Rows
        var subject = Subject(heldOut.FirstDay, heldOut.LastDay, "held-out");
        var perDay = (double)train.Count / trainingDays;
        var volume = heldOut.Count / perDay;
        if (volume < options.MinVolumeRatio || volume > options.MaxVolumeRatio)
            findings.Add(new("held-out-volume", subject, string.Create(C, $"{heldOut.Count} impressions, {volume:F2}× the training window's {perDay:F0} per day"),
                string.Create(C, $"{options.MinVolumeRatio}–{options.MaxVolumeRatio}×"), $"day {DayText(heldOut.FirstDay)} (is it fully loaded?)"));
        // The click and conversion rates, and each further label's share of rows with its event (or a value above 0).
        var rates = new List<(string Check, string Name, long Held, long Trained)> { ("held-out-click-rate", "click", heldOut.Clicks, train.Clicks), ("held-out-conversion-rate", "conversion", heldOut.Conversions, train.Conversions) };
        rates.AddRange(train.LabelPositives.Select(l => ("held-out-label-rate", $"label {l.Key}", heldOut.LabelPositives.GetValueOrDefault(l.Key), l.Value)));
        foreach (var (check, name, held, trained) in rates)
        {
            var trainRate = (double)trained / train.Count;
            if (trainRate == 0) continue;
            var ratio = (double)held / heldOut.Count / trainRate;
            if (ratio < options.MinRateRatio || ratio > options.MaxRateRatio)
                findings.Add(new(check, subject, string.Create(C, $"{name} rate {ratio:F2}× the training window's {trainRate:P2}"),
                    string.Create(C, $"{options.MinRateRatio}–{options.MaxRateRatio}×"), $"day {DayText(heldOut.FirstDay)} (are its labels complete?)"));
        }
        return findings;
    }

    private static string Subject(DateOnly first, DateOnly last, string purpose) =>
        first == last ? $"{purpose} day {DayText(first)}" : $"{purpose} window {DayText(first)}..{DayText(last)}";

    private static string DayText(DateOnly day) => day.ToString("yyyy-MM-dd", C);
}
