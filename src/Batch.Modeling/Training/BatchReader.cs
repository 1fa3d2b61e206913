using System.Collections.Concurrent;
using Batch.Modeling.Features;

namespace Batch.Modeling.Training;

/// <summary>
/// Reads the batches of one epoch on a background thread, in order, a few ahead of the training thread and never
/// more (a bounded buffer): while the model trains on one batch, the next ones are read. An error of the reader
/// is thrown on the training thread; disposing stops the reader.
/// </summary>
internal sealed class BatchReader : IDisposable
{
    private readonly BlockingCollection<EncodedBatch> _ready;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private Exception? _error;

    /// <param name="order">the epoch's row order; batch b is rows order[b × size, (b + 1) × size)</param>
    /// <param name="ahead">batches read ahead at most</param>
    public BatchReader(IEncodedRows rows, int[] order, int size, int ahead = 4)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(order);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _ready = new BlockingCollection<EncodedBatch>(ahead);
        _thread = new Thread(() => Produce(rows, order, size)) { IsBackground = true, Name = "batch reader" };
        _thread.Start();
    }

    private void Produce(IEncodedRows rows, int[] order, int size)
    {
        try
        {
            for (var start = 0; start < order.Length; start += size)
            {
                _ready.Add(rows.Read(order.AsSpan(start, Math.Min(size, order.Length - start))), _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed before the epoch was read to its end: the training thread stopped taking batches.
        }
        catch (Exception e)
        {
            _error = e;
        }
        finally
        {
            _ready.CompleteAdding();
        }
    }

    /// <summary>The epoch's batches in order; throws what the reader threw, once the batches before it are taken.</summary>
    public IEnumerable<EncodedBatch> Batches(CancellationToken ct)
    {
        foreach (var batch in _ready.GetConsumingEnumerable(ct)) yield return batch;
        if (_error is not null) throw new IOException($"Reading the training rows failed: {_error.Message}", _error);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _ready.Dispose();
        _stop.Dispose();
    }
}
