using System.Text;
using Batch.Data.Extraction;

namespace Batch.Data.Shards;

/// <summary>
/// A day's rows on their way into a shard, without holding them: each column is appended to a spool file of its own
/// as the rows arrive, and <see cref="Complete"/> writes the shard from the spools (header, then each column's
/// array after the other, as <see cref="DayShardFile"/> reads them), renamed into place at once. Disposing deletes
/// the spools.
/// </summary>
public sealed class ShardSpool : IExtractedRows, IDisposable
{
    private readonly string _folder;
    private readonly DateOnly _day;
    private readonly IReadOnlyList<string> _categorical;
    private readonly IReadOnlyList<string> _numeric;
    private readonly IReadOnlyList<string> _labels;
    private readonly (FileStream File, BinaryWriter Writer)[] _spools;
    private const int Ids = 0, ContentKeys = 1, Clicked = 2, Converted = 3, FirstColumn = 4;

    /// <param name="folder">where the spools go (beside the shard, on the same disk)</param>
    /// <param name="labels">the keys of the further labels the rows carry (none by default)</param>
    public ShardSpool(string folder, DateOnly day, IReadOnlyList<string> categorical, IReadOnlyList<string> numeric, IReadOnlyList<string>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(categorical);
        ArgumentNullException.ThrowIfNull(numeric);
        _folder = Path.Combine(folder, $".spool.{day:yyyy-MM-dd}.{Guid.NewGuid():N}.{TemporaryOwner.Current}.tmp");
        Directory.CreateDirectory(_folder);
        (_day, _categorical, _numeric, _labels) = (day, categorical, numeric, labels ?? []);
        _spools = Enumerable.Range(0, FirstColumn + categorical.Count + numeric.Count + _labels.Count).Select(i =>
        {
            var file = new FileStream(Path.Combine(_folder, $"{i}.col"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16);
            return (file, new BinaryWriter(file, Encoding.UTF8, leaveOpen: true));
        }).ToArray();
    }

    public int Count { get; private set; }

    public void Row(long id, short dayOffset, bool clicked, bool converted)
    {
        if (dayOffset != 0) throw new InvalidDataException($"A shard of {_day} got a row of another day (offset {dayOffset}).");
        _spools[Ids].Writer.Write(id);
        _spools[Clicked].Writer.Write(clicked);
        _spools[Converted].Writer.Write(converted);
        Count++;
    }

    public void Label(int label, float value) => _spools[FirstLabel + label].Writer.Write(value);

    private int FirstLabel => FirstColumn + _categorical.Count + _numeric.Count;

    public void ContentKey(long key) => _spools[ContentKeys].Writer.Write(key);

    public void Categorical(int column, int code) => _spools[FirstColumn + column].Writer.Write(code);

    public void Numeric(int column, double value) => _spools[FirstColumn + _categorical.Count + column].Writer.Write(value);

    /// <summary>Writes the shard to <paramref name="path"/> (a temporary file renamed over it) from the spools.</summary>
    /// <param name="vocabularies">per categorical column, its values in code order</param>
    public void Complete(string path, string key, string fingerprint, IReadOnlyList<IReadOnlyList<string>> vocabularies)
    {
        ArgumentNullException.ThrowIfNull(vocabularies);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.{TemporaryOwner.Current}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            using (var writer = new BinaryWriter(stream, Encoding.UTF8))
            {
                DayShardFile.WriteHeader(writer, key, fingerprint, _day, Count);
                Copy(Ids, writer);
                Copy(ContentKeys, writer);
                Copy(Clicked, writer);
                Copy(Converted, writer);
                writer.Write(_categorical.Count);
                for (var c = 0; c < _categorical.Count; c++)
                {
                    writer.Write(_categorical[c]);
                    writer.Write(vocabularies[c].Count);
                    foreach (var value in vocabularies[c]) writer.Write(value);
                    Copy(FirstColumn + c, writer);
                }
                writer.Write(_numeric.Count);
                for (var n = 0; n < _numeric.Count; n++)
                {
                    writer.Write(_numeric[n]);
                    Copy(FirstColumn + _categorical.Count + n, writer);
                }
                writer.Write(_labels.Count);
                for (var l = 0; l < _labels.Count; l++)
                {
                    writer.Write(_labels[l]);
                    Copy(FirstLabel + l, writer);
                }
                DayShardFile.WriteEnd(writer);
                // No fsync: a shard is a cache. One cut short by a crash lacks its end mark and is extracted again.
                writer.Flush();
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    private void Copy(int spool, BinaryWriter into)
    {
        var (file, writer) = _spools[spool];
        writer.Flush();
        if (file.Length != (long)Count * Width(spool))
            throw new InvalidOperationException($"Spool {spool} of {_day:yyyy-MM-dd} holds {file.Length} bytes, not {Count} rows' worth: every row needs every column.");
        file.Position = 0;
        into.Flush();
        file.CopyTo(into.BaseStream);
    }

    private int Width(int spool) => spool switch
    {
        Ids or ContentKeys => sizeof(long),
        Clicked or Converted => sizeof(bool),
        _ when spool < FirstColumn + _categorical.Count => sizeof(int),
        _ when spool < FirstLabel => sizeof(double),
        _ => sizeof(float),
    };

    /// <summary>
    /// Closes the spools and deletes their folder, whatever closing them throws: a spool is thrown away once its shard is
    /// written, or once its read failed — on a full disk, closing flushes bytes that cannot be written, and the failure
    /// that matters is the write's, already on its way up. The folder goes either way.
    /// </summary>
    public void Dispose()
    {
        foreach (var (file, writer) in _spools)
        {
            Close(writer);
            Close(file); // its handle is released even when the flush before it fails
        }
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static void Close(IDisposable spool)
    {
        try
        {
            spool.Dispose();
        }
        catch (IOException)
        {
            // Unwritten bytes of a spool being thrown away (see Dispose).
        }
    }
}
