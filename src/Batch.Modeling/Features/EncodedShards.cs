using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Batch.Modeling.Features;

/// <summary>
/// Encoded rows on local disk, one file per shard, row-major at a fixed width: the field indices (int32), the numeric
/// values (float32), then every task's target (float32). A batch is read row by row at its offsets, so only the
/// batch is in memory (the files stay in the operating system's page cache, not in the process). Row r of the
/// whole is row r − (rows before its shard) of its shard. Disposing deletes the files.
/// </summary>
public sealed class EncodedShards : IEncodedRows, IDisposable
{
    private readonly List<(string Path, SafeFileHandle Handle, int First, int Rows)> _shards = [];
    private readonly int _width;
    private bool _writing = true;

    public EncodedShards(string folder, int categoricalCount, int numericCount, int taskCount)
    {
        Folder = folder;
        CategoricalCount = categoricalCount;
        NumericCount = numericCount;
        TaskCount = taskCount;
        _targetSums = new double[taskCount];
        _width = (categoricalCount + numericCount + taskCount) * sizeof(float);
        Directory.CreateDirectory(folder);
    }

    public string Folder { get; }
    public int Rows { get; private set; }
    public int CategoricalCount { get; }
    public int NumericCount { get; }
    public int TaskCount { get; }
    public int ShardCount => _shards.Count;

    /// <summary>Summed as each shard is appended.</summary>
    public IReadOnlyList<double> TargetSums => _targetSums;
    private readonly double[] _targetSums;

    /// <summary>Writes <paramref name="frame"/> as the next shard; its rows follow the rows already written.</summary>
    public void Append(EncodedFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (!_writing) throw new InvalidOperationException("Shards are appended before the first read.");
        if (frame.CategoricalCount != CategoricalCount || frame.NumericCount != NumericCount || frame.TaskCount != TaskCount)
            throw new ArgumentException(
                $"A frame of {frame.CategoricalCount}+{frame.NumericCount} columns and {frame.TaskCount} tasks does not fit shards of {CategoricalCount}+{NumericCount} and {TaskCount}.", nameof(frame));
        if (frame.Rows == 0) return; // a day without rows adds no shard
        var path = Path.Combine(Folder, $"{_shards.Count:D4}.rows");
        var (c, k, t) = (CategoricalCount, NumericCount, TaskCount);
        var rowsPerChunk = Math.Max(1, (1 << 20) / _width);
        var chunk = new byte[rowsPerChunk * _width];
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        {
            for (var start = 0; start < frame.Rows; start += rowsPerChunk)
            {
                var n = Math.Min(rowsPerChunk, frame.Rows - start);
                for (var i = 0; i < n; i++)
                {
                    var row = chunk.AsSpan(i * _width, _width);
                    var r = start + i;
                    MemoryMarshal.AsBytes(frame.Indices.AsSpan(r * c, c)).CopyTo(row);
                    MemoryMarshal.AsBytes(frame.Values.AsSpan(r * k, k)).CopyTo(row[(c * 4)..]);
                    MemoryMarshal.AsBytes(frame.Targets.AsSpan(r * t, t)).CopyTo(row[((c + k) * 4)..]);
                }
                stream.Write(chunk, 0, n * _width);
            }
        }
        _shards.Add((path, File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read), Rows, frame.Rows));
        Rows = checked(Rows + frame.Rows);
        var sums = frame.TargetSums; // summed over the frame's rows once
        for (var task = 0; task < t; task++) _targetSums[task] += sums[task];
    }

    public EncodedBatch Read(ReadOnlySpan<int> rows)
    {
        _writing = false;
        var into = new EncodedBatch(rows.Length, CategoricalCount, NumericCount, TaskCount);
        var (c, k, t) = (CategoricalCount, NumericCount, TaskCount);
        var buffer = new byte[_width * 64];
        for (var b = 0; b < rows.Length;)
        {
            var shard = ShardOf(rows[b]);
            var (_, handle, first, count) = _shards[shard];
            // A run of consecutive rows of one shard is one read (validation reads whole ranges).
            var run = 1;
            while (b + run < rows.Length && run < 64 && rows[b + run] == rows[b] + run && rows[b + run] < first + count) run++;
            var bytes = buffer.AsSpan(0, run * _width);
            var read = RandomAccess.Read(handle, bytes, (long)(rows[b] - first) * _width);
            if (read != bytes.Length) throw new IOException($"Shard {_shards[shard].Path} is shorter than its {count} rows.");
            for (var i = 0; i < run; i++)
            {
                var row = bytes.Slice(i * _width, _width);
                var at = b + i;
                MemoryMarshal.Cast<byte, int>(row[..(c * 4)]).CopyTo(into.Indices.AsSpan(at * c, c));
                MemoryMarshal.Cast<byte, float>(row.Slice(c * 4, k * 4)).CopyTo(into.Values.AsSpan(at * k, k));
                MemoryMarshal.Cast<byte, float>(row.Slice((c + k) * 4, t * 4)).CopyTo(into.Targets.AsSpan(at * t, t));
            }
            b += run;
        }
        return into;
    }

    private int ShardOf(int row)
    {
        if (row < 0 || row >= Rows) throw new ArgumentOutOfRangeException(nameof(row), row, $"Rows run from 0 to {Rows - 1}.");
        int lo = 0, hi = _shards.Count - 1; // the last shard whose first row is <= row
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (_shards[mid].First <= row) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    public void Dispose()
    {
        foreach (var shard in _shards) shard.Handle.Dispose();
        _shards.Clear();
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
    }
}
