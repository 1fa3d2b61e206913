using System.Globalization;
using Batch.Core.Frames;
using Batch.Core.Options;

namespace Batch.Data.Validation;

/// <summary>
/// How far one feature's distribution on the held-out day is from the training window's: the population stability
/// index (PSI) over its buckets, and for a categorical feature the share of held-out rows whose value the window never
/// had.
/// </summary>
/// <param name="Movers">the buckets that moved most, with their window and held-out shares ("tv 12.1 % → 61.0 %")</param>
public sealed record FeatureShift(string Feature, double Psi, double UnseenShare, string Movers = "");

/// <summary>
/// The population stability index of every feature between the training window (expected, e) and the held-out day
/// (actual, a): PSI = Σ over buckets (a − e) · ln(a / e), each share at least 1e-4. A categorical feature's buckets are
/// its window's 20 most frequent values, every other value, and null; a numeric feature's are the held-out day's deciles
/// (from a sample of at most 50 000 of its values) and missing. Both are read part by part, so memory is bounded by the
/// vocabularies, not the rows.
/// </summary>
public static class FeatureDrift
{
    public const int TopValues = 20;
    public const int NumericBuckets = 10;
    public const int SampleSize = 50_000;
    private const double Floor = 1e-4;

    /// <summary>Every feature's shift, categorical features first, in the profile's order.</summary>
    public static IReadOnlyList<FeatureShift> Measure(Func<IEnumerable<DayFrame>> window, Func<IEnumerable<DayFrame>> heldOut, FeatureOptions features)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(heldOut);
        ArgumentNullException.ThrowIfNull(features);
        // The held-out day is read twice (its deciles first), the window once.
        var edges = Edges(heldOut, features);
        var (windowValues, windowBuckets) = Count(window, features, edges);
        var (heldValues, heldBuckets) = Count(heldOut, features, edges);
        var shifts = new List<FeatureShift>();
        for (var c = 0; c < features.Categorical.Count; c++)
        {
            var top = windowValues[c].Where(v => v.Key != NullKey).OrderByDescending(v => v.Value).ThenBy(v => v.Key, StringComparer.Ordinal)
                .Take(TopValues).Select(v => v.Key).Order(StringComparer.Ordinal).ToList();
            var (expected, actual) = (Group(windowValues[c], top), Group(heldValues[c], top));
            var held = heldValues[c].Values.Sum();
            var unseen = heldValues[c].Where(v => v.Key != NullKey && !windowValues[c].ContainsKey(v.Key)).Sum(v => v.Value);
            string[] labels = [.. top, "(other values)", "(null)"];
            shifts.Add(new FeatureShift(features.Categorical[c], Psi(expected, actual), held == 0 ? 0 : (double)unseen / held, Movers(labels, expected, actual)));
        }
        for (var n = 0; n < features.Numeric.Count; n++)
        {
            var e = edges[n];
            string Label(int b) =>
                b == 0 ? string.Create(CultureInfo.InvariantCulture, $"< {e[0]:G4}")
                : b == e.Length ? string.Create(CultureInfo.InvariantCulture, $">= {e[^1]:G4}")
                : string.Create(CultureInfo.InvariantCulture, $"[{e[b - 1]:G4}, {e[b]:G4})");
            string[] labels = e.Length == 0 ? ["(any value)", "(missing)"] : [.. Enumerable.Range(0, e.Length + 1).Select(Label), "(missing)"];
            shifts.Add(new FeatureShift(features.Numeric[n], Psi(windowBuckets[n], heldBuckets[n]), 0, Movers(labels, windowBuckets[n], heldBuckets[n])));
        }
        return shifts;
    }

    /// <summary>The three buckets whose PSI terms are largest, with their shares in the window and on the held-out day.</summary>
    private static string Movers(string[] labels, long[] expected, long[] actual)
    {
        var (e, a) = (Math.Max(1, expected.Sum()), Math.Max(1, actual.Sum()));
        return string.Join("; ", Enumerable.Range(0, labels.Length)
            .Select(b => (Label: labels[b], Pe: (double)expected[b] / e, Pa: (double)actual[b] / a))
            .Where(x => x.Pe != x.Pa)
            .OrderByDescending(x => (Math.Max(x.Pa, Floor) - Math.Max(x.Pe, Floor)) * Math.Log(Math.Max(x.Pa, Floor) / Math.Max(x.Pe, Floor)))
            .Take(3)
            .Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.Label} {x.Pe:P1} → {x.Pa:P1}")));
    }

    /// <summary>PSI of two histograms over the same buckets; 0 when either is empty.</summary>
    public static double Psi(IReadOnlyList<long> expected, IReadOnlyList<long> actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        var (e, a) = (expected.Sum(), actual.Sum());
        if (e == 0 || a == 0) return 0;
        var psi = 0.0;
        for (var b = 0; b < expected.Count; b++)
        {
            var (pe, pa) = (Math.Max((double)expected[b] / e, Floor), Math.Max((double)actual[b] / a, Floor));
            psi += (pa - pe) * Math.Log(pa / pe);
        }
        return psi;
    }

    /// <summary>The findings of the features whose PSI is above <paramref name="maxPsi"/>.</summary>
    public static IReadOnlyList<ValidationFinding> Findings(IReadOnlyList<FeatureShift> shifts, DateOnly heldOutDay, double maxPsi)
    {
        ArgumentNullException.ThrowIfNull(shifts);
        return shifts.Where(s => s.Psi > maxPsi).Select(s => new ValidationFinding(
            $"feature-psi-{s.Feature}",
            $"held-out day {heldOutDay:yyyy-MM-dd} against the training window",
            Observed(s),
            string.Create(CultureInfo.InvariantCulture, $"at most {maxPsi:0.###} (Validation:MaxFeaturePsi)"),
            s.Movers)).ToList();
    }

    private static string Observed(FeatureShift s) =>
        string.Create(CultureInfo.InvariantCulture, $"{s.Feature}'s distribution moved: PSI {s.Psi:F3}") +
        (s.UnseenShare > 0 ? string.Create(CultureInfo.InvariantCulture, $", {s.UnseenShare:P1} of its values unseen in the window") : "");

    /// <summary>Per categorical column, rows per value (<see cref="NullKey"/> for null); per numeric column, rows per bucket.</summary>
    private static (Dictionary<string, long>[] Values, long[][] Buckets) Count(Func<IEnumerable<DayFrame>> frames, FeatureOptions features, double[][] edges)
    {
        var counts = features.Categorical.Select(_ => new Dictionary<string, long>(StringComparer.Ordinal)).ToArray();
        var buckets = edges.Select(e => new long[e.Length + 2]).ToArray();
        foreach (var part in frames())
        {
            CountBuckets(part, edges, buckets);
            for (var c = 0; c < counts.Length; c++)
            {
                var column = part.Categorical[c];
                var byCode = new long[column.Vocabulary.Count];
                long nulls = 0;
                foreach (var code in column.Codes)
                {
                    if (code < 0) nulls++;
                    else byCode[code]++;
                }
                for (var k = 0; k < byCode.Length; k++)
                    if (byCode[k] > 0) counts[c][column.Vocabulary[k]] = counts[c].GetValueOrDefault(column.Vocabulary[k]) + byCode[k];
                if (nulls > 0) counts[c][NullKey] = counts[c].GetValueOrDefault(NullKey) + nulls;
            }
        }
        return (counts, buckets);
    }

    // A dictionary cannot key null; no value of a column is this text.
    private const string NullKey = "\u0000null";

    /// <summary>The top values one by one, then every other value, then null.</summary>
    private static long[] Group(Dictionary<string, long> counts, List<string> ordered)
    {
        var buckets = new long[ordered.Count + 2];
        foreach (var (value, count) in counts)
        {
            var index = value == NullKey ? ordered.Count + 1 : ordered.BinarySearch(value, StringComparer.Ordinal);
            buckets[index >= 0 ? index : ordered.Count] += count;
        }
        return buckets;
    }

    /// <summary>Per numeric column, the held-out day's decile edges, from a deterministic sample of its finite values.</summary>
    private static double[][] Edges(Func<IEnumerable<DayFrame>> heldOut, FeatureOptions features)
    {
        var samples = features.Numeric.Select(_ => new List<double>()).ToArray();
        var seen = new long[samples.Length];
        var random = new Random(17);
        foreach (var part in heldOut())
        {
            for (var n = 0; n < samples.Length; n++)
            {
                foreach (var value in part.Numeric[n].Values)
                {
                    if (!double.IsFinite(value)) continue;
                    // Reservoir sampling: every finite value equally likely to be kept.
                    if (samples[n].Count < SampleSize) samples[n].Add(value);
                    else if (random.NextInt64(seen[n] + 1) is var slot && slot < SampleSize) samples[n][(int)slot] = value;
                    seen[n]++;
                }
            }
        }
        // The held-out day's deciles by rank q·(n − 1)/10 of its sample (the encoder's buckets rank q·n/10 of the window's).
        return samples.Select(s =>
        {
            s.Sort();
            return s.Count == 0 ? [] : Enumerable.Range(1, NumericBuckets - 1).Select(q => s[(int)((long)q * (s.Count - 1) / NumericBuckets)]).Distinct().ToArray();
        }).ToArray();
    }

    /// <summary>Adds a part's numeric values to their buckets: below each edge in turn, at or above the last, then missing.</summary>
    private static void CountBuckets(DayFrame part, double[][] edges, long[][] counts)
    {
        for (var n = 0; n < counts.Length; n++)
        {
            foreach (var value in part.Numeric[n].Values)
            {
                if (!double.IsFinite(value)) { counts[n][^1]++; continue; }
                counts[n][QuantileEdges.Below(edges[n], value)]++;
            }
        }
    }
}
