using System.Data;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Batch.Core.Days;
using Batch.Core.Frames;
using Batch.Core.Options;
using Batch.Data.Extraction;
using Npgsql;

namespace Batch.Data.Shards;

/// <summary>Where a day's rows came from: its shard, reused, or the database (and then a new shard), and why.</summary>
public sealed record ShardUse(DateOnly Day, bool Reused, string Reason);

/// <summary>
/// A cache of day shards on local disk. A day is read from its shard when the shard was written under the same key
/// (the day's extraction query: its columns and their types, zone, conversion window) and the same fingerprint of
/// the source rows that make the day (its impressions and the conversions that can label them); otherwise it is
/// extracted again and its shard replaced. A shard that cannot be read is extracted again, never trusted.
/// </summary>
/// <param name="source">the database extraction reads (the read replica when one is set)</param>
/// <param name="retention">shards unused for longer are deleted when a window is read</param>
public sealed class DayShards(NpgsqlDataSource source, string directory, TimeSpan retention)
{
    public string Directory => directory;

    /// <summary>The sub-folder where attempts keep their encoded windows while they train (swept like shards).</summary>
    public const string RunsFolder = "runs";

    /// <summary>
    /// The shard of the day, opened (the caller disposes it): the one on disk when it was written under the same key
    /// and the source day's fingerprint is unchanged (only its header is read then); else the day is extracted and its
    /// shard (re)written. The file checked is the file returned: a shard replaced by another process meanwhile does
    /// not change what the caller reads.
    /// </summary>
    /// <param name="onRows">rows read from the database so far, as <see cref="DayExtractor.ExtractAsync"/> reports them</param>
    public async Task<(FileStream Shard, int Rows, ShardUse Use)> ShardAsync(SourceSpec spec, DateOnly day, CancellationToken ct, Action<long>? onRows = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        // The fingerprint and, when the shard cannot be reused, the rows are read in one snapshot: a shard's fingerprint
        // is exactly that of the rows it holds, whatever is written to the tables meanwhile. A failed read's own error
        // is what is reported, whatever closing the transaction or the connection after it throws.
        var connection = await source.OpenConnectionAsync(ct).ConfigureAwait(false);
        var reading = $"impressions of {day:yyyy-MM-dd}";
        return await SourceReadException.UsingAsync(connection, reading, "the connection", async () =>
        {
            var snapshot = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct).ConfigureAwait(false);
            return await SourceReadException.UsingAsync(snapshot, reading, "the transaction",
                () => ShardInSnapshotAsync(connection, snapshot, spec, day, onRows, ct)).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    private async Task<(FileStream Shard, int Rows, ShardUse Use)> ShardInSnapshotAsync(
        NpgsqlConnection connection, NpgsqlTransaction snapshot, SourceSpec spec, DateOnly day, Action<long>? onRows, CancellationToken ct)
    {
        var sql = await SourceSql.ResolveAsync(connection, spec, day, day, ct).ConfigureAwait(false);
        var fingerprints = new SourceFingerprint(connection, sql, spec, day);
        var (database, conversions) = await fingerprints.DatabaseAndConversionsAsync(ct).ConfigureAwait(false);
        // The key: the day's query, how changes are detected and the database it reads, so databases sharing a folder keep apart.
        var key = Key(DayExtractor.CopyQuery(sql, spec, day, day) + "\n" + spec.Source.ChangeDetection + "\n" + database);
        var path = Path.Combine(directory, $"{day:yyyy-MM-dd}.{key[..16]}.shard");
        var mode = spec.Source.ChangeDetection;
        string reason;
        if (!File.Exists(path)) reason = "no shard";
        else if (mode == SourceOptions.NoChangeDetection) reason = "change detection is none: every day is read again";
        else
        {
            var fingerprint = SourceFingerprint.Of(database, await fingerprints.ImpressionsAsync(ct).ConfigureAwait(false), conversions);
            var shard = DayShardFile.Open(path);
            try
            {
                var (storedKey, storedFingerprint, storedDay, rows) = DayShardFile.Header(shard);
                if (storedKey != key || storedDay != day) reason = "shard of another query";
                else if (storedFingerprint != fingerprint) reason = $"source day changed ({mode})";
                else
                {
                    File.SetLastWriteTimeUtc(path, DateTime.UtcNow); // in use: kept by the retention sweep
                    return (shard, rows, new ShardUse(day, true, $"source day unchanged ({mode})"));
                }
            }
            catch (InvalidDataException e)
            {
                reason = "unreadable shard: " + e.Message;
            }
            catch
            {
                await shard.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            await shard.DisposeAsync().ConfigureAwait(false);
        }
        // The rows go straight to spool files on disk as they are read, not into memory. With row versions the impressions'
        // part of the fingerprint is added up from the rows themselves, in the same snapshot, instead of by a scan of its own.
        System.IO.Directory.CreateDirectory(directory);
        using var spool = new ShardSpool(directory, day, spec.Features.Categorical, spec.Features.Numeric, spec.Labels.Select(l => l.Key).ToList());
        var versions = mode == SourceOptions.RowVersion ? new RowVersions() : null;
        var impressions = versions is null ? await fingerprints.ImpressionsAsync(ct).ConfigureAwait(false) : null;
        var vocabularies = await DayExtractor.ReadAsync(connection, sql, spec, day, day, spool, ct, onRows, versions).ConfigureAwait(false);
        await snapshot.CommitAsync(ct).ConfigureAwait(false);
        spool.Complete(path, key, SourceFingerprint.Of(database, impressions ?? versions!.ToString(), conversions), vocabularies);
        return (DayShardFile.Open(path), spool.Count, new ShardUse(day, false, reason));
    }

    /// <summary>
    /// The days [<paramref name="first"/>, <paramref name="last"/>] through the cache, as <see cref="ShardAsync"/> gives
    /// each, in day order; up to <paramref name="connections"/> days are read at once, each on a connection of its own
    /// (the database's work on one day overlaps the decoding of another). Each day goes through
    /// <paramref name="attempt"/> when given (a retry policy: a transient error reads that day again). If a day fails,
    /// the others stop and the shards already opened are closed.
    /// </summary>
    /// <param name="onRows">rows read so far over all the days, from whichever thread read them, one call at a time</param>
    public async Task<IReadOnlyList<(FileStream Shard, int Rows, ShardUse Use)>> ShardDaysAsync(
        SourceSpec spec, DateOnly first, DateOnly last, int connections, CancellationToken ct,
        Action<long>? onRows = null, Func<Func<CancellationToken, Task<(FileStream, int, ShardUse)>>, CancellationToken, Task<(FileStream, int, ShardUse)>>? attempt = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        if (last < first) throw new ArgumentException($"Window {first}..{last} is empty.");
        var count = last.DayNumber - first.DayNumber + 1;
        var results = new (FileStream Shard, int Rows, ShardUse Use)?[count];
        var progress = new long[count];
        void Report(int i, long rows)
        {
            if (onRows is null) return;
            lock (progress)
            {
                progress[i] = rows;
                onRows(progress.Sum());
            }
        }
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = connections, CancellationToken = ct }, async (i, t) =>
            {
                var day = first.AddDays(i);
                Task<(FileStream, int, ShardUse)> Read(CancellationToken c) => ShardAsync(spec, day, c, r => Report(i, r));
                var result = attempt is null ? await Read(t).ConfigureAwait(false) : await attempt(Read, t).ConfigureAwait(false);
                results[i] = result;
                Report(i, result.Item2);
            }).ConfigureAwait(false);
        }
        catch
        {
            foreach (var result in results) result?.Shard.Dispose();
            throw;
        }
        return results.Select(r => r!.Value).ToList();
    }

    /// <summary>Deletes the shards (and attempts' encoded windows) not used for longer than the retention; returns how many.</summary>
    public int Sweep()
    {
        var folder = new DirectoryInfo(directory);
        if (!folder.Exists) return 0;
        var runs = new DirectoryInfo(Path.Combine(directory, RunsFolder));
        var cutoff = DateTime.UtcNow - retention;
        // Shards; the temporary files and spool folders (both *.tmp) of writers that died before renaming theirs — at once
        // when their process on this host is gone, else after the retention; and the encoded windows of attempts that
        // died before deleting theirs.
        var stale = folder.EnumerateFileSystemInfos()
            .Where(e => e.Name.EndsWith(".shard", StringComparison.Ordinal) || e.Name.EndsWith(".tmp", StringComparison.Ordinal))
            .Concat(runs.Exists ? runs.EnumerateDirectories() : [])
            .Where(e => e.LastWriteTimeUtc < cutoff || TemporaryOwner.Gone(e.Name))
            .ToList();
        foreach (var entry in stale)
        {
            if (entry is DirectoryInfo folderEntry) folderEntry.Delete(recursive: true);
            else entry.Delete();
        }
        return stale.Count;
    }

    private static string Key(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"shard-v3\n{text}"))));
}
