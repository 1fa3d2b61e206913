using Batch.Core.Frames;

namespace Batch.Data.Shards;

/// <summary>
/// A window of days held as their shards on local disk, each open since the day was read: a later run that
/// replaces a shard (its source day changed) does not change this window, whose files stay readable until it is
/// disposed. Days are loaded one at a time, so reading the window holds one day's rows at most.
/// </summary>
public sealed class ShardedWindow : IDisposable
{
    private readonly List<(DateOnly Day, FileStream File, int Rows)> _days = [];

    public ShardedWindow(DateOnly first, DateOnly last)
    {
        if (last < first) throw new ArgumentException($"Window {first}..{last} is empty.");
        (FirstDay, LastDay) = (first, last);
    }

    public DateOnly FirstDay { get; }
    public DateOnly LastDay { get; }
    public int Count { get; private set; }

    /// <summary>Adds the next day of the window: its shard, opened (the window disposes it from now on).</summary>
    public void Add(DateOnly day, FileStream shard, int rows)
    {
        ArgumentNullException.ThrowIfNull(shard);
        if (day < FirstDay || day > LastDay || (_days.Count > 0 && day <= _days[^1].Day))
            throw new ArgumentException($"Day {day} is not the next day of {FirstDay}..{LastDay}.", nameof(day));
        _days.Add((day, shard, rows));
        Count = checked(Count + rows);
    }

    /// <summary>Impressions per day of the window, first day first; a day without rows counts 0.</summary>
    public int[] RowsPerDay()
    {
        var counts = new int[LastDay.DayNumber - FirstDay.DayNumber + 1];
        foreach (var (day, _, rows) in _days) counts[day.DayNumber - FirstDay.DayNumber] += rows;
        return counts;
    }

    /// <summary>Rows per part that <see cref="Days"/> reads: a multiple of the scorer's batch, so scoring by parts batches as scoring a whole day.</summary>
    public const int ChunkRows = 131_072;

    /// <summary>
    /// The rows of the days in [<paramref name="first"/>, <paramref name="last"/>] (the whole window by default), in
    /// row order, in parts of at most <see cref="ChunkRows"/> rows of one day, each read as enumerated.
    /// </summary>
    public IEnumerable<DayFrame> Days(DateOnly? first = null, DateOnly? last = null)
    {
        foreach (var (day, file, _) in _days)
        {
            if (day < (first ?? FirstDay) || day > (last ?? LastDay)) continue;
            foreach (var part in DayShardFile.ReadChunks(file, ChunkRows)) yield return part;
        }
    }

    /// <summary>The impression ids of each day, loaded as enumerated.</summary>
    public IEnumerable<long[]> Ids()
    {
        foreach (var (_, file, _) in _days) yield return DayShardFile.ReadIds(file);
    }

    /// <summary>Each day's content keys with its ids, row by row, loaded as enumerated.</summary>
    public IEnumerable<(DateOnly Day, long[] Keys, long[] Ids)> ContentKeys()
    {
        foreach (var (day, file, _) in _days) yield return (day, DayShardFile.ReadContentKeys(file), DayShardFile.ReadIds(file));
    }

    public void Dispose()
    {
        foreach (var (_, file, _) in _days) file.Dispose();
        _days.Clear();
    }
}
