using System.Globalization;
using Batch.Core.Options;

namespace Batch.Data.Validation;

/// <summary>
/// Checks of what the rows hold rather than how many there are: rows repeating another row's content under new ids,
/// categorical columns null on a day far more often than on the window's median day, and numeric values that would
/// break their feature once transformed and standardised.
/// </summary>
public static class ContentChecks
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>
    /// Per day, the share of rows whose content key (event time and every feature column) repeats an earlier row's of the
    /// same day — rows alike in all of those carry the same event time, so a repeat never spans two days. A day above
    /// <paramref name="maxShare"/> fails, with the ids that repeat and the ones they repeat.
    /// </summary>
    /// <param name="days">each day's keys and ids, row by row; one day is held at a time</param>
    public static IReadOnlyList<ValidationFinding> DuplicateContent(IEnumerable<(DateOnly Day, long[] Keys, long[] Ids)> days, double maxShare)
    {
        ArgumentNullException.ThrowIfNull(days);
        var offending = new List<string>();
        var (first, last) = ((DateOnly?)null, (DateOnly?)null);
        foreach (var (day, keys, ids) in days)
        {
            first ??= day;
            last = day;
            if (keys.Length != ids.Length) throw new ArgumentException($"Day {day:yyyy-MM-dd} has {keys.Length} content keys for {ids.Length} ids.", nameof(days));
            var (repeats, examples) = Repeats(keys, ids);
            var share = keys.Length == 0 ? 0 : (double)repeats / keys.Length;
            if (share > maxShare)
                offending.Add(string.Create(C, $"{day:yyyy-MM-dd} ({repeats} of {keys.Length} rows, {share:P1}: {string.Join(", ", examples.Select(e => $"id {e.Id} repeats id {e.Of}"))}{(repeats > examples.Count ? ", …" : "")})"));
        }
        if (offending.Count == 0) return [];
        return [new("duplicate-content", $"training window and held-out day {first:yyyy-MM-dd}..{last:yyyy-MM-dd}",
            $"{offending.Count} days have rows repeating another row's event time and every feature column under another id (the day loaded twice?)",
            string.Create(C, $"at most {maxShare:P1} of a day's rows"), ValidationFinding.First(offending))];
    }

    /// <summary>How many rows repeat an earlier row's key, and the first few as (row's id, first row's id).</summary>
    private static (int Repeats, List<(long Id, long Of)> Examples) Repeats(long[] keys, long[] ids)
    {
        var order = Enumerable.Range(0, keys.Length).ToArray();
        // By key, then by position: within a run of equal keys the first row is the one the others repeat.
        Array.Sort(order, (a, b) => keys[a] != keys[b] ? keys[a].CompareTo(keys[b]) : a.CompareTo(b));
        var repeats = 0;
        var examples = new List<(long, long)>();
        for (int i = 1, start = 0; i < order.Length; i++)
        {
            if (keys[order[i]] != keys[order[start]]) { start = i; continue; }
            repeats++;
            if (examples.Count < ValidationFinding.Shown) examples.Add((ids[order[i]], ids[order[start]]));
        }
        return (repeats, examples);
    }

    /// <summary>
    /// Per categorical column, every day (of the window and the held-out day) on which the column is null in a larger share
    /// of the rows than on the window's median day by more than <paramref name="maxIncrease"/>.
    /// </summary>
    public static IReadOnlyList<ValidationFinding> NullShares(RowSummary train, RowSummary heldOut, double maxIncrease)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(heldOut);
        var findings = new List<ValidationFinding>();
        for (var c = 0; c < train.Nulls.Count; c++)
        {
            var (column, perDay, firstIds) = train.Nulls[c];
            var shares = Enumerable.Range(0, perDay.Length).Where(d => train.RowsPerDay[d] > 0).Select(d => (double)perDay[d] / train.RowsPerDay[d]).Order().ToArray();
            if (shares.Length == 0) continue; // an empty window is reported by the row checks
            var median = shares.Length % 2 == 1 ? shares[shares.Length / 2] : (shares[shares.Length / 2 - 1] + shares[shares.Length / 2]) / 2;
            var days = Days(train, perDay, firstIds).Concat(heldOut.Nulls.Count > c ? Days(heldOut, heldOut.Nulls[c].PerDay, heldOut.Nulls[c].First) : [])
                .Where(d => d.Share > median + maxIncrease).ToList();
            if (days.Count == 0) continue;
            findings.Add(new($"null-share-{column}", $"training window and held-out day {train.FirstDay:yyyy-MM-dd}..{heldOut.LastDay:yyyy-MM-dd}",
                string.Create(C, $"{days.Count} days have {column} null in a larger share of their impressions than the window's median day ({median:P1})"),
                string.Create(C, $"at most {maxIncrease:P1} more than the median day"),
                ValidationFinding.First(days.Select(d => string.Create(C, $"{d.Day:yyyy-MM-dd} ({d.Share:P1}: ids {ValidationFinding.First(d.Ids)})")))));
        }
        return findings;
    }

    private static IEnumerable<(DateOnly Day, double Share, IReadOnlyList<long> Ids)> Days(RowSummary rows, int[] perDay, List<long>[] firstIds) =>
        Enumerable.Range(0, perDay.Length).Where(d => rows.RowsPerDay[d] > 0)
            .Select(d => (rows.FirstDay.AddDays(d), (double)perDay[d] / rows.RowsPerDay[d], (IReadOnlyList<long>)firstIds[d]));

    /// <summary>
    /// Per numeric column after its transform: values the transform cannot take (log1p of a value at or below −1) in the
    /// window or the held-out day; a standardisation that is not finite on the window (a value so large that its square
    /// overflows); and held-out values that, standardised, would not fit the network's 32-bit floats.
    /// </summary>
    public static IReadOnlyList<ValidationFinding> Numeric(RowSummary train, RowSummary heldOut)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(heldOut);
        var subject = $"training window and held-out day {train.FirstDay:yyyy-MM-dd}..{heldOut.LastDay:yyyy-MM-dd}";
        var findings = new List<ValidationFinding>();
        for (var n = 0; n < train.Numeric.Count; n++)
        {
            var (window, held) = (train.Numeric[n], heldOut.Numeric.Count > n ? heldOut.Numeric[n] : null);
            var outside = window.FirstOutside.Concat(held?.FirstOutside ?? []).ToList();
            if (outside.Count > 0)
                findings.Add(new($"transform-{window.Column}", subject,
                    $"{window.OutsideCount + (held?.OutsideCount ?? 0)} impressions have a {window.Column} that {window.Transform} cannot take",
                    $"{NumericTransform.Domain(window.Transform)} (or Features:Columns:{window.Column}:Transform clip)",
                    "ids " + ValidationFinding.First(outside.Select(o => string.Create(C, $"{o.Id} ({o.Day:yyyy-MM-dd}, {o.Value:R})")))));
            if (!window.Standardised || window.Count == 0) continue;
            if (!double.IsFinite(window.Mean) || !double.IsFinite(window.Std))
            {
                findings.Add(new($"standardise-{window.Column}", $"training window {train.FirstDay:yyyy-MM-dd}..{train.LastDay:yyyy-MM-dd}",
                    string.Create(C, $"{window.Column} after {window.Transform} has mean {window.Mean:R} and standard deviation {window.Std:R}, which cannot standardise it"),
                    $"a finite mean and standard deviation (clip the column: Features:Columns:{window.Column}:Transform clip)", "largest: " + Largest(window.Largest)));
                continue;
            }
            var beyond = (held?.Largest ?? []).Where(l => !float.IsFinite((float)((l.Transformed - window.Mean) / Math.Max(window.Std, 1e-12)))).ToList();
            if (beyond.Count > 0)
                findings.Add(new($"standardise-{window.Column}", $"held-out day {heldOut.FirstDay:yyyy-MM-dd}",
                    string.Create(C, $"{window.Column} values that, standardised by the window's mean {window.Mean:G6} and standard deviation {window.Std:G6}, exceed a 32-bit float"),
                    "standardised values a 32-bit float holds", "largest: " + Largest(beyond)));
        }
        return findings;
    }

    private static string Largest(IEnumerable<(long Id, DateOnly Day, double Value, double Transformed)> rows) =>
        ValidationFinding.First(rows.Select(l => string.Create(C, $"{l.Value:R} (id {l.Id}, {l.Day:yyyy-MM-dd})")));
}
