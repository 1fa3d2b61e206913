using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Batch.Core.Frames;

namespace Batch.Data.Shards;

/// <summary>
/// One data day's extracted rows on local disk, column by column in fixed-width arrays: ids, content keys, clicked, converted,
/// each categorical column as its day-local vocabulary and int32 codes, each numeric column as doubles, each further
/// label (<see cref="DayFrame.Labels"/>) as floats. The file
/// starts with the cache key and the source fingerprint it was written under, so a reader can tell whether it
/// still holds the day the database holds.
/// </summary>
public static class DayShardFile
{
    private const string Magic = "BATCH-SHARD";
    private const int Version = 3; // 2: the content keys after the ids; 3: the further labels after the numeric columns

    /// <summary>The last bytes of every shard: <see cref="Magic"/> as <see cref="BinaryWriter"/> writes a string.</summary>
    private static readonly byte[] EndMark = [(byte)Magic.Length, .. Encoding.UTF8.GetBytes(Magic)];

    /// <summary>Writes <paramref name="day"/> (a one-day frame) to <paramref name="path"/> atomically: a reader sees the old file or the whole new one.</summary>
    /// <param name="contentKeys">each row's content key (<see cref="Extraction.IExtractedRows.ContentKey"/>); by default its id, as if no two rows were alike</param>
    public static void Write(string path, string key, string fingerprint, DayFrame day, long[]? contentKeys = null)
    {
        ArgumentNullException.ThrowIfNull(day);
        if (day.FirstDay != day.LastDay) throw new ArgumentException($"A shard holds one day, not {day.FirstDay}..{day.LastDay}.", nameof(day));
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        using var spool = new ShardSpool(folder, day.FirstDay, day.Categorical.Select(c => c.Name).ToList(), day.Numeric.Select(c => c.Name).ToList(), day.Labels.Select(l => l.Key).ToList());
        for (var i = 0; i < day.Count; i++)
        {
            spool.Row(day.Ids[i], 0, day.Clicked[i], day.Converted[i]);
            for (var l = 0; l < day.Labels.Count; l++) spool.Label(l, day.Labels[l].Values[i]);
            spool.ContentKey(contentKeys?[i] ?? day.Ids[i]);
            for (var c = 0; c < day.Categorical.Count; c++) spool.Categorical(c, day.Categorical[c].Codes[i]);
            for (var n = 0; n < day.Numeric.Count; n++) spool.Numeric(n, day.Numeric[n].Values[i]);
        }
        spool.Complete(path, key, fingerprint, day.Categorical.Select(c => c.Vocabulary).ToList());
    }

    /// <summary>A shard's start: what identifies the format, the key and fingerprint, the day and its row count.</summary>
    internal static void WriteHeader(BinaryWriter writer, string key, string fingerprint, DateOnly day, int count)
    {
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write(key);
        writer.Write(fingerprint);
        writer.Write(day.DayNumber);
        writer.Write(count);
    }

    /// <summary>A shard's end mark: a file cut short fails to read.</summary>
    internal static void WriteEnd(BinaryWriter writer) => writer.Write(Magic);

    /// <summary>The key and fingerprint a shard was written under, its day and its row count, without reading its rows.</summary>
    /// <exception cref="InvalidDataException">The file is not a whole shard of this version.</exception>
    public static (string Key, string Fingerprint, DateOnly Day, int Rows) Header(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
        return Header(stream);
    }

    /// <inheritdoc cref="Header(string)"/>
    public static (string Key, string Fingerprint, DateOnly Day, int Rows) Header(FileStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Guarded(stream, () =>
        {
            var start = Start(stream);
            // A shard cut short (a full disk, a copy stopped half way) lacks its end mark.
            stream.Position = Math.Max(0, stream.Length - EndMark.Length);
            Span<byte> tail = stackalloc byte[EndMark.Length];
            stream.ReadExactly(tail);
            if (!tail.SequenceEqual(EndMark)) throw new InvalidDataException($"Shard {stream.Name} does not end with its end mark (cut short?).");
            return (start.Key, start.Fingerprint, start.Day, start.Count);
        });
    }

    /// <summary>The day a shard holds, exactly as it was written.</summary>
    /// <exception cref="InvalidDataException">The file is not a whole shard of this version.</exception>
    public static DayFrame Read(string path)
    {
        using var stream = Open(path);
        return Read(stream);
    }

    /// <inheritdoc cref="Read(string)"/>
    public static DayFrame Read(FileStream stream)
    {
        var layout = Layout(stream);
        return Part(stream, layout, 0, layout.Count);
    }

    /// <summary>A shard opened for reading; it stays readable, as it is now, if it is replaced or deleted meanwhile.</summary>
    public static FileStream Open(string path) => new(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16);

    /// <summary>
    /// The day a shard holds in parts of at most <paramref name="chunkRows"/> rows, in row order, each read when
    /// enumerated (the arrays sit at fixed offsets, so a part is read by seeking): one part's rows in memory at a
    /// time. The parts share the day's vocabularies.
    /// </summary>
    public static IEnumerable<DayFrame> ReadChunks(FileStream stream, int chunkRows)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1);
        var layout = Layout(stream);
        for (var start = 0; start < layout.Count; start += chunkRows)
            yield return Part(stream, layout, start, Math.Min(chunkRows, layout.Count - start));
    }

    /// <summary>Only the impression ids of a shard (they come first).</summary>
    public static long[] ReadIds(FileStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var start = Guarded(stream, () => Start(stream));
        return ReadAt<long>(stream, start.Ids, 0, start.Count);
    }

    /// <summary>Only the content keys of a shard (after the ids), row by row.</summary>
    public static long[] ReadContentKeys(FileStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var start = Guarded(stream, () => Start(stream));
        return ReadAt<long>(stream, start.Ids + (long)start.Count * sizeof(long), 0, start.Count);
    }

    private static DayFrame Part(FileStream stream, ShardLayout layout, int start, int n) => new()
    {
        FirstDay = layout.Day,
        LastDay = layout.Day,
        Ids = ReadAt<long>(stream, layout.Ids, start, n),
        DayOffsets = new short[n],
        Clicked = ReadAt<bool>(stream, layout.Clicked, start, n),
        Converted = ReadAt<bool>(stream, layout.Converted, start, n),
        Categorical = layout.Categorical.Select(c => new CategoricalColumn(c.Name, c.Vocabulary, ReadAt<int>(stream, c.Offset, start, n))).ToList(),
        Numeric = layout.Numeric.Select(c => new NumericColumn(c.Name, ReadAt<double>(stream, c.Offset, start, n))).ToList(),
        Labels = layout.Labels.Select(l => new LabelColumn(l.Key, ReadAt<float>(stream, l.Offset, start, n))).ToList(),
    };

    /// <summary>What a shard starts with, and where its ids begin.</summary>
    private sealed record ShardStart(string Key, string Fingerprint, DateOnly Day, int Count, long Ids);

    /// <summary>Where each array of a shard starts, with the day, the row count and the vocabularies.</summary>
    private sealed record ShardLayout(
        DateOnly Day, int Count, long Ids, long Clicked, long Converted,
        IReadOnlyList<(string Name, IReadOnlyList<string> Vocabulary, long Offset)> Categorical, IReadOnlyList<(string Name, long Offset)> Numeric,
        IReadOnlyList<(string Key, long Offset)> Labels);

    private static ShardStart Start(FileStream stream)
    {
        stream.Position = 0;
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (reader.ReadString() != Magic) throw new InvalidDataException($"{stream.Name} is not a day shard.");
        var version = reader.ReadInt32();
        if (version != Version) throw new InvalidDataException($"Shard {stream.Name} has version {version}, not {Version}.");
        return new ShardStart(reader.ReadString(), reader.ReadString(), DateOnly.FromDayNumber(reader.ReadInt32()), reader.ReadInt32(), stream.Position);
    }

    /// <summary>The arrays' offsets, found by reading the vocabularies and names between them, and the end mark checked.</summary>
    private static ShardLayout Layout(FileStream stream) => Guarded(stream, () =>
    {
        var start = Start(stream);
        var count = start.Count;
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        var clicked = start.Ids + 2L * count * sizeof(long); // after the ids and the content keys
        var converted = clicked + count;
        stream.Position = converted + count;
        var categorical = new List<(string, IReadOnlyList<string>, long)>();
        for (var c = reader.ReadInt32(); c > 0; c--)
        {
            var name = reader.ReadString();
            var vocabulary = new string[reader.ReadInt32()];
            for (var v = 0; v < vocabulary.Length; v++) vocabulary[v] = reader.ReadString();
            categorical.Add((name, vocabulary, stream.Position));
            stream.Position += (long)count * sizeof(int);
        }
        var numeric = new List<(string, long)>();
        for (var n = reader.ReadInt32(); n > 0; n--)
        {
            numeric.Add((reader.ReadString(), stream.Position));
            stream.Position += (long)count * sizeof(double);
        }
        var labels = new List<(string, long)>();
        for (var l = reader.ReadInt32(); l > 0; l--)
        {
            labels.Add((reader.ReadString(), stream.Position));
            stream.Position += (long)count * sizeof(float);
        }
        if (reader.ReadString() != Magic) throw new InvalidDataException($"Shard {stream.Name} does not end with its end mark.");
        return new ShardLayout(start.Day, count, start.Ids, clicked, converted, categorical, numeric, labels);
    });

    /// <summary>A read past the end of the file is a shard cut short.</summary>
    private static T Guarded<T>(FileStream stream, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"Shard {stream.Name} is cut short.", e);
        }
    }

    private static T[] ReadAt<T>(FileStream stream, long offset, int start, int count) where T : unmanaged
    {
        var values = new T[count];
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        if (RandomAccess.Read(stream.SafeFileHandle, bytes, offset + (long)start * Unsafe.SizeOf<T>()) != bytes.Length)
            throw new InvalidDataException($"Shard {stream.Name} is cut short.");
        return values;
    }
}
