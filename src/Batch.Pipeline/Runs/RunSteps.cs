using Batch.Pipeline.Ledger;
using Microsoft.Extensions.Logging;

namespace Batch.Pipeline.Runs;

/// <summary>Runs the steps of one attempt in order, recording each in the ledger through the attempt's hold.</summary>
internal sealed class RunSteps(RunHold hold, RunObservers observers, ILogger logger)
{
    private int _ordinal;

    private async Task<T> RunAsync<T>(string step, Func<Task<(T Result, object Detail)>> body, CancellationToken ct)
    {
        await StartAsync(step, ct).ConfigureAwait(false);
        try
        {
            var (result, detail) = await body().ConfigureAwait(false);
            observers.WorkDone(hold.Run, step);
            await hold.FinishStepAsync(step, detail, ct).ConfigureAwait(false);
            PipelineLog.StepSucceeded(logger, hold.Run.Id, step);
            return result;
        }
        catch (Exception e)
        {
            Failed(step, e);
            throw;
        }
    }

    /// <summary>Runs a typed step: its detail record goes to the ledger, its output to the caller.</summary>
    public Task<TOutput> RunAsync<TInput, TOutput, TDetail>(Steps.IRunStep<TInput, TOutput, TDetail> step, TInput input, CancellationToken ct) where TDetail : class
    {
        ArgumentNullException.ThrowIfNull(step);
        return RunAsync(step.Name, async () =>
        {
            var result = await step.RunAsync(input, ct).ConfigureAwait(false);
            return (result.Output, (object)result.Detail);
        }, ct);
    }

    public async Task StartAsync(string step, CancellationToken ct)
    {
        await hold.StartStepAsync(step, ++_ordinal, ct).ConfigureAwait(false);
        PipelineLog.StepStarted(logger, hold.Run.Id, step);
        observers.StepStarted(hold.Run, step);
    }

    /// <summary>
    /// Says where the attempt stopped. The ledger is written once, by the run's failure record, which closes the
    /// step that was open in the same transaction as the run (or, for an attempt taken over, by the takeover).
    /// </summary>
    public void Failed(string step, Exception error) =>
        PipelineLog.StepFailed(logger, hold.Run.Id, step, hold.LostBecause?.Message ?? error.Message);
}
