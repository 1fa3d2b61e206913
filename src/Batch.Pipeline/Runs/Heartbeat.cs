using Batch.Pipeline.Ledger;
using Microsoft.Extensions.Logging;

namespace Batch.Pipeline.Runs;

/// <summary>Keeps a running attempt's lease fresh while its steps work.</summary>
internal sealed class Heartbeat : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public Heartbeat(RunLedger ledger, long runId, TimeSpan interval, ILogger logger)
    {
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    await ledger.HeartbeatAsync(runId, _stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The run itself goes on; if the database stays away, its next ledger write fails the run.
                    PipelineLog.HeartbeatFailed(logger, e, runId);
                }
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try { await _loop.ConfigureAwait(false); }
        catch (OperationCanceledException) { /* the loop's normal end */ }
        _stop.Dispose();
    }
}
