using System.Reflection;
using Batch.Core.Options;
using Batch.Data.Shards;
using Batch.Data.Validation;
using Batch.Modeling.Training;
using Batch.Pipeline.Ledger;
using Batch.Pipeline.Production;
using Batch.Publishing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Batch.Modeling.Plugins;
using Batch.Pipeline.Runs.Steps;

namespace Batch.Pipeline.Runs;

/// <summary>
/// One attempt of (model, day): preflight → extract → validate → train → evaluate → gate → publish, every step in
/// the ledger, every write fenced by the attempt's hold on its day. A rejected candidate is kept under
/// <c>rejected/</c> and never promoted; a failed step, or an attempt that lost its hold, moves no pointer — but for a
/// pointer write already sent, whose outcome the ledger then leaves open for reconcile to settle.
/// </summary>
public sealed class RetrainPipeline(
    DayShards shards,
    ConversionChecks conversionChecks,
    LabelMaturity maturity,
    ModelStore store,
    RunLedger ledger,
    ProductionReconciler reconciler,
    RunObservers observers,
    IOptions<BatchOptions> options,
    ResiliencePipeline transient,
    ILogger<RetrainPipeline> logger)
{
    public Task<RunOutcome> RunAsync(string model, DateOnly day, string trigger, string? jobId, CancellationToken ct) =>
        RunAsync(model, day, trigger, jobId, allowImmatureLabels: false, ct);

    /// <param name="allowImmatureLabels">train on a day whose conversion window has not closed (a deliberate exception,
    /// recorded on the run); otherwise such a day is refused in preflight, before anything is read</param>
    public async Task<RunOutcome> RunAsync(string model, DateOnly day, string trigger, string? jobId, bool allowImmatureLabels, CancellationToken ct)
    {
        var settings = options.Value;
        var profile = settings.Profile(model);
        profile.Validate(model);
        var requested = System.Diagnostics.Stopwatch.GetTimestamp();
        var run = await ledger.StartAsync(model, day, trigger, jobId, settings.RunLease, allowImmatureLabels, ct).ConfigureAwait(false);
        PipelineLog.RunStarted(logger, run.Id, model, day, run.Attempt, trigger);
        await using var hold = RunHold.Begin(ledger, run, logger, requestedAt: requested);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(ct, hold.Lost);
        try
        {
            return await RunStepsAsync(hold, profile, settings, work.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Cancelled because the hold was lost: that, not the cancellation, is what happened.
            var error = hold.LostBecause is { } lost && e is OperationCanceledException && !ct.IsCancellationRequested ? lost : e;
            await RecordFailureAsync(hold, error).ConfigureAwait(false);
            if (ReferenceEquals(error, e)) throw;
            throw error;
        }
    }

    private async Task RecordFailureAsync(RunHold hold, Exception error)
    {
        try
        {
            if (hold.LostBecause is { TakenOver: true } lost)
                await ledger.NoteLostHoldAsync(hold.Run.Id, $"the attempt's process saw it at {DateTimeOffset.UtcNow:u} and stopped: {lost.Message}", CancellationToken.None).ConfigureAwait(false);
            else
                await ledger.FailAsync(hold.Run, error.Message, error.ToString(), Budget(hold.Lease)).ConfigureAwait(false);
        }
        catch (Exception ledgerError)
        {
            throw new FailureNotRecordedException(
                $"Run {hold.Run.Id} failed ({error.Message}), and recording that in the ledger failed too ({ledgerError.Message}); the ledger shows it running until its lease of {hold.Lease.TotalSeconds:F0} s lapses.",
                error, ledgerError);
        }
    }

    // Long enough to ride out a database restart; a failure that cannot be written within it is left to the lease.
    private static TimeSpan Budget(TimeSpan lease) => lease < TimeSpan.FromMinutes(2) ? lease : TimeSpan.FromMinutes(2);

    private async Task<RunOutcome> RunStepsAsync(RunHold hold, ModelProfile profile, BatchOptions settings, CancellationToken ct)
    {
        var steps = new RunSteps(hold, observers, logger);
        var attempt = new Attempt(hold.Run, profile, settings, TorchDevices.Resolve(settings.Device));

        await steps.RunAsync(new PreflightStep(maturity, reconciler, store), attempt, ct).ConfigureAwait(false);
        using var frames = await steps.RunAsync(new ExtractStep(shards, transient, observers), attempt, ct).ConfigureAwait(false);
        await steps.RunAsync(new ValidateStep(conversionChecks, transient), (attempt, frames), ct).ConfigureAwait(false);
        var trained = await steps.RunAsync(new TrainStep(observers), (attempt, frames), ct).ConfigureAwait(false);
        using var _ = trained.Model;
        var evaluation = await steps.RunAsync(new EvaluateStep(reconciler, store, shards, transient), (attempt, trained, frames.HeldOut), ct).ConfigureAwait(false);
        var gate = await steps.RunAsync(new GateStep(hold), (profile, evaluation), ct).ConfigureAwait(false);

        var publish = new PublishStep(store, hold, steps, observers, logger);
        var evaluated = new EvaluatedCandidate(trained.Model, trained.History, evaluation.Metrics, evaluation.Diagnostics, evaluation.ProductionMetrics, gate, profile, CodeVersion,
            evaluation.Scores, evaluation.ProductionScores);
        return await publish.RunAsync(evaluated, evaluation.Production, ct).ConfigureAwait(false);
    }

    private static string CodeVersion =>
        typeof(RetrainPipeline).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(RetrainPipeline).Assembly.GetName().Version?.ToString(3) ?? "unknown";
}
