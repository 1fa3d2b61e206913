using System.Diagnostics;
using Batch.Core.Options;
using Batch.Data.Extraction;

namespace Batch.Research.Benchmarks;

/// <summary>Extraction against the plain binary COPY of its own query, read and discarded, in one process.</summary>
public sealed record ExtractionSpeed(long Rows, double ExtractSeconds, double CopySeconds)
{
    public double ExtractRowsPerSecond => Rows / ExtractSeconds;
    public double CopyRowsPerSecond => Rows / CopySeconds;

    /// <summary>Extraction's rows per second over the plain COPY's: 1 means the decoding costs nothing.</summary>
    public double Ratio => CopySeconds / ExtractSeconds;
}

public static class ExtractionBenchmark
{
    /// <summary>Interleaved rounds of the two; the medians.</summary>
    public static async Task<ExtractionSpeed> RunAsync(
        DayExtractor extractor, FeatureOptions features, DateOnly first, DateOnly last, TimeZoneInfo zone, int conversionWindowDays, int rounds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var extract = new List<double>();
        var copy = new List<double>();
        long rows = 0;
        for (var r = 0; r <= rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            var frame = await extractor.ExtractAsync(features, first, last, zone, conversionWindowDays, ct).ConfigureAwait(false);
            var extracted = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var copied = await extractor.CopyAndDiscardAsync(features, first, last, zone, conversionWindowDays, ct).ConfigureAwait(false);
            var copySeconds = clock.Elapsed.TotalSeconds;
            if (copied != frame.Count) throw new InvalidOperationException($"The COPY read {copied} rows and the extraction {frame.Count}; the source changed during the benchmark.");
            rows = frame.Count;
            if (r == 0) continue; // warm-up: caches, JIT
            extract.Add(extracted);
            copy.Add(copySeconds);
        }
        if (rows == 0) throw new InvalidOperationException($"No impressions in {first:yyyy-MM-dd}..{last:yyyy-MM-dd}; seed or extract other days.");
        return new ExtractionSpeed(rows, Median(extract), Median(copy));
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
