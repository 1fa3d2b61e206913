using Batch.Pipeline.Ledger;
using Microsoft.Extensions.Logging;

namespace Batch.Pipeline.Runs;

/// <summary>Runs the steps of one attempt in order, recording each in the ledger.</summary>
internal sealed class RunSteps(RunLedger ledger, long runId, ILogger logger)
{
    private int _ordinal;

    public async Task<T> RunAsync<T>(string step, Func<Task<(T Result, object Detail)>> body, CancellationToken ct)
    {
        await ledger.StartStepAsync(runId, step, ++_ordinal, ct).ConfigureAwait(false);
        PipelineLog.StepStarted(logger, runId, step);
        try
        {
            var (result, detail) = await body().ConfigureAwait(false);
            await ledger.FinishStepAsync(runId, step, detail, error: null, ct).ConfigureAwait(false);
            PipelineLog.StepSucceeded(logger, runId, step);
            return result;
        }
        catch (Exception e)
        {
            // Recorded with a fresh token: a cancelled run must still say where it stopped.
            await ledger.FinishStepAsync(runId, step, detail: null, error: e.Message, CancellationToken.None).ConfigureAwait(false);
            PipelineLog.StepFailed(logger, runId, step, e.Message);
            throw;
        }
    }
}
