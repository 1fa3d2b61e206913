using Batch.Pipeline.Ledger;
using Microsoft.Extensions.Logging;

namespace Batch.Pipeline.Runs;

/// <summary>Runs the steps of one attempt in order, recording each in the ledger through the attempt's hold.</summary>
internal sealed class RunSteps(RunHold hold, RunObservers observers, ILogger logger)
{
    private int _ordinal;

    public async Task<T> RunAsync<T>(string step, Func<Task<(T Result, object Detail)>> body, CancellationToken ct)
    {
        await StartAsync(step, ct).ConfigureAwait(false);
        try
        {
            var (result, detail) = await body().ConfigureAwait(false);
            observers.WorkDone(hold.Run, step);
            await hold.FinishStepAsync(step, detail, error: null, ct).ConfigureAwait(false);
            PipelineLog.StepSucceeded(logger, hold.Run.Id, step);
            return result;
        }
        catch (Exception e)
        {
            await FailAsync(step, e).ConfigureAwait(false);
            throw;
        }
    }

    public async Task StartAsync(string step, CancellationToken ct)
    {
        await hold.StartStepAsync(step, ++_ordinal, ct).ConfigureAwait(false);
        PipelineLog.StepStarted(logger, hold.Run.Id, step);
        observers.StepStarted(hold.Run, step);
    }

    /// <summary>
    /// Records where the attempt stopped, unless it no longer holds its day (then the row is not its to write).
    /// Written without the run's token (a cancelled run must still say where it stopped) and within two minutes:
    /// if even that fails, the run's own failure record, written next, closes the step with the run's error.
    /// </summary>
    public async Task FailAsync(string step, Exception error)
    {
        var reason = hold.LostBecause?.Message ?? error.Message;
        PipelineLog.StepFailed(logger, hold.Run.Id, step, reason);
        if (hold.LostBecause is not null || error is RunHoldLostException) return;
        try
        {
            using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await hold.FinishStepAsync(step, detail: null, error: reason, budget.Token).ConfigureAwait(false);
        }
        catch (Exception recordError) when (recordError is RunHoldLostException or OperationCanceledException or Npgsql.NpgsqlException)
        {
            PipelineLog.StepFailureNotRecorded(logger, hold.Run.Id, step, recordError.Message);
        }
    }
}
