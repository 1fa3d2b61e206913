using System.Diagnostics;
using Batch.Data.Extraction;
using Batch.Data.Shards;
using Npgsql;

namespace Batch.Lab.Benchmarks;

/// <summary>
/// Extraction as the nightly run does it — day by day through the shard cache, <c>Batch:ExtractionConnections</c> days at once — against the plain binary COPY of the
/// whole window's query, read and discarded, in one process: cold (no shard: every day read from the database,
/// fingerprinted and written to its shard) and warm (every shard reused: only the fingerprints are read).
/// </summary>
public sealed record ExtractionSpeed(long Rows, double ExtractSeconds, double CopySeconds, double ReuseSeconds)
{
    public double ExtractRowsPerSecond => Rows / ExtractSeconds;
    public double CopyRowsPerSecond => Rows / CopySeconds;

    public double ReuseRowsPerSecond => Rows / ReuseSeconds;

    /// <summary>Cold extraction's rows per second over the plain COPY's: 1 means decoding, fingerprints and shards cost nothing.</summary>
    public double Ratio => CopySeconds / ExtractSeconds;
}

public static class ExtractionBenchmark
{
    /// <summary>Interleaved rounds of the three, each round with a shard folder of its own (deleted after); the medians.</summary>
    /// <param name="source">the database extraction reads</param>
    public static async Task<ExtractionSpeed> RunAsync(
        DayExtractor extractor, NpgsqlDataSource source, SourceSpec spec, DateOnly first, DateOnly last, int rounds, int connections, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var extract = new List<double>();
        var reuse = new List<double>();
        var copy = new List<double>();
        long rows = 0;
        for (var r = 0; r <= rounds; r++)
        {
            var folder = Path.Combine(Path.GetTempPath(), "batch-bench-shards-" + Guid.NewGuid().ToString("N")[..12]);
            try
            {
                var shards = new DayShards(source, folder, TimeSpan.FromDays(1));
                var clock = Stopwatch.StartNew();
                var (extracted, fresh) = await WindowAsync(shards, spec, first, last, connections, ct).ConfigureAwait(false);
                var extractSeconds = clock.Elapsed.TotalSeconds;
                clock.Restart();
                var (reused, again) = await WindowAsync(shards, spec, first, last, connections, ct).ConfigureAwait(false);
                var reuseSeconds = clock.Elapsed.TotalSeconds;
                clock.Restart();
                var copied = await extractor.CopyAndDiscardAsync(spec, first, last, ct).ConfigureAwait(false);
                var copySeconds = clock.Elapsed.TotalSeconds;
                if (copied != extracted || reused != extracted || fresh != 0 || again != last.DayNumber - first.DayNumber + 1)
                    throw new InvalidOperationException($"The COPY read {copied} rows, the cold extraction {extracted} and the warm one {reused} ({again} days reused); the source changed during the benchmark.");
                rows = extracted;
                if (r == 0) continue; // warm-up: caches, JIT
                extract.Add(extractSeconds);
                reuse.Add(reuseSeconds);
                copy.Add(copySeconds);
            }
            finally
            {
                if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            }
        }
        if (rows == 0) throw new InvalidOperationException($"No impressions in {first:yyyy-MM-dd}..{last:yyyy-MM-dd}; seed or extract other days.");
        return new ExtractionSpeed(rows, Median(extract), Median(copy), Median(reuse));
    }

    /// <summary>Every day of the window through the shards, as the nightly reads them: rows, and how many days were reused.</summary>
    private static async Task<(long Rows, int Reused)> WindowAsync(
        DayShards shards, SourceSpec spec, DateOnly first, DateOnly last, int connections, CancellationToken ct)
    {
        var days = await shards.ShardDaysAsync(spec, first, last, connections, ct).ConfigureAwait(false);
        foreach (var (shard, _, _) in days) await shard.DisposeAsync().ConfigureAwait(false);
        return (days.Sum(d => (long)d.Rows), days.Count(d => d.Use.Reused));
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
