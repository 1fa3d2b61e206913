using System.Text.Json;
using Batch.Core.Options;
using Batch.Core.Results;
using Batch.Evaluation;
using Batch.Evaluation.Reports;
using Batch.Modeling.Training;
using Batch.Pipeline.Ledger;
using Batch.Pipeline.Production;
using Batch.Publishing;
using Microsoft.Extensions.Logging;

namespace Batch.Pipeline.Runs.Steps;

/// <summary>A trained candidate with what evaluation and the gate made of it.</summary>
internal sealed record EvaluatedCandidate(
    MultiTaskModel Model, IReadOnlyList<EpochLoss> History, IReadOnlyList<TaskMetrics> Metrics, ModelDiagnostics Diagnostics,
    IReadOnlyList<TaskMetrics>? ProductionMetrics, GateDecision Gate, ModelProfile Profile, string CodeVersion,
    IReadOnlyList<TaskScores> Scores, IReadOnlyList<TaskScores>? ProductionScores);

/// <summary>
/// The publish step. The version folder is written (create-only) and recorded; for an approved candidate the
/// intent to move the pointer is recorded, the pointer is written with the ETag read at evaluation, and the
/// outcome is recorded together with the step and the run's end, in one transaction. Every ledger write is fenced
/// by the attempt's hold, and every blob write runs only while the lease certainly holds.
/// </summary>
internal sealed class PublishStep(ModelStore store, RunHold hold, RunSteps steps, RunObservers observers, ILogger logger)
{
    private const string Step = "publish";

    public async Task<RunOutcome> RunAsync(EvaluatedCandidate candidate, ProductionState production, CancellationToken ct)
    {
        var run = hold.Run;
        var version = $"{run.DataDay:yyyyMMdd}-r{run.Id}";
        var approved = candidate.Gate.Approved;
        await steps.StartAsync(Step, ct).ConfigureAwait(false);
        try
        {
            var (prefix, createdContainer) = await WriteVersionAsync(candidate, production, version, ct).ConfigureAwait(false);
            var detail = new PublishDetail(version, prefix, store.ContainerName, store.Location(prefix), approved, createdContainer);
            if (!approved)
            {
                observers.WorkDone(run, Step);
                await hold.FinishStepAsync(Step, detail, ct).ConfigureAwait(false);
                await hold.FinishRunAsync(RunStatus.Rejected, "rejected by the gate: " + string.Join("; ", candidate.Gate.Reasons), null, ct).ConfigureAwait(false);
                return Outcome(candidate, production, version, RunStatus.Rejected, promoted: false);
            }

            var previous = production.Current?.Version;
            var intent = await hold.RecordIntentAsync(version, previous, store.ContainerName, ct).ConfigureAwait(false);
            var write = await MovePointerAsync(version, previous, production, intent, detail, ct).ConfigureAwait(false);
            if (write.Result == PointerWriteResult.Conflict)
                throw new InvalidOperationException(
                    $"{run.Model}'s production moved to {write.PointerVersion ?? "nothing"} while this attempt was gating against {previous ?? "no model"}; version {version} was kept but not promoted. Re-run the day to gate against the new production model: batch rerun --model {run.Model} --day {run.DataDay:yyyy-MM-dd}");
            PipelineLog.StepSucceeded(logger, run.Id, Step);
            return Outcome(candidate, production, version, RunStatus.Succeeded, promoted: true);
        }
        catch (Exception e)
        {
            steps.Failed(Step, e);
            throw;
        }
    }

    /// <summary>
    /// Writes the pointer (under the lease the intent's write just renewed) and records its outcome. Once the write is
    /// sent, a failure to finish — storage away, the hold lost, the ledger away — leaves the outcome to reconcile, and
    /// says so: the pointer may name the version whatever the ledger has recorded.
    /// </summary>
    private async Task<PointerWrite> MovePointerAsync(string version, string? previous, ProductionState production, long intent, PublishDetail detail, CancellationToken ct)
    {
        var run = hold.Run;
        var what = $"The publish of {run.Model} {version}";
        PointerWrite? write = null;
        var sent = false;
        try
        {
            using (var held = hold.WhileHeld(ct))
            {
                sent = true;
                write = await PointerMoves.WriteAsync(store, run.Model, version, previous, production.ETag, intent, what, held.Token).ConfigureAwait(false);
            }
            observers.WorkDone(run, Step);
            var applied = write.Result != PointerWriteResult.Conflict;
            await hold.SettlePublishAsync(intent, applied, PointerMoves.Outcome(write, previous, version), Step,
                applied ? detail with { Promoted = true, PointerWrite = write.Result.ToString() } : detail, ct).ConfigureAwait(false);
            return write;
        }
        catch (Exception e) when (e is not PublishOutcomeUnknownException)
        {
            var pointer = write is null
                ? sent ? "was sent and may or may not have reached the pointer" : "was never sent: the pointer did not move"
                : $"ended {PointerMoves.Outcome(write, previous, version)}";
            throw new PublishOutcomeUnknownException(
                $"{what}: its pointer write {pointer}, but the ledger could not record that ({hold.LostBecause?.Message ?? e.Message}). Its intent is recorded (promotion {intent}); `batch reconcile --model {run.Model}` settles it from what the pointer says, and so does the next run.",
                e);
        }
    }

    private async Task<(string Prefix, bool CreatedContainer)> WriteVersionAsync(EvaluatedCandidate candidate, ProductionState production, string version, CancellationToken ct)
    {
        var run = hold.Run;
        using var buffer = new MemoryStream();
        candidate.Model.SaveWeights(buffer);
        var weights = buffer.ToArray();
        var manifest = new ModelManifest
        {
            Model = run.Model,
            Version = version,
            DataDay = run.DataDay,
            TrainingFirstDay = run.DataDay.AddDays(-candidate.Profile.TrainingDays),
            TrainingLastDay = run.DataDay.AddDays(-1),
            CreatedAt = DateTimeOffset.UtcNow,
            RunId = run.Id,
            Architecture = candidate.Profile.Architecture,
            Features = JsonSerializer.SerializeToNode(candidate.Model.Encoders, ModelManifest.Json)!,
            Tasks = candidate.Model.Tasks.Tasks,
            Metrics = candidate.Metrics,
            Diagnostics = candidate.Diagnostics,
            ProductionMetrics = candidate.ProductionMetrics,
            ProductionVersion = production.Current?.Version,
            Gate = candidate.Gate,
            Training = JsonSerializer.SerializeToNode(candidate.Profile.Training, ModelManifest.Json)!,
            TrainingHistory = JsonSerializer.SerializeToNode(candidate.History, ModelManifest.Json)!,
            WeightsSha256 = ModelStore.Sha256(weights),
            CodeVersion = candidate.CodeVersion,
        };

        // Renewed just before: the blob writes run only while the lease certainly holds.
        await hold.RenewAsync(ct).ConfigureAwait(false);
        using var held = hold.WhileHeld(ct);
        // Only the first model of all may create its container; preflight made sure of that.
        var create = !production.ContainerExists;
        if (create) await store.EnsureContainerAsync(held.Token).ConfigureAwait(false);
        var prefix = await store.WriteVersionAsync(manifest, weights, candidate.Gate.Approved, held.Token).ConfigureAwait(false);
        await store.WriteReportAsync(prefix, Report(candidate, production, version).Select(f => (f.Name, f.Content, f.ContentType)), held.Token).ConfigureAwait(false);
        await hold.RecordVersionAsync(new VersionRecord
        {
            Version = version,
            Model = run.Model,
            RunId = run.Id,
            DataDay = run.DataDay,
            Status = candidate.Gate.Approved ? VersionStatus.Approved : VersionStatus.Rejected,
            Container = store.ContainerName,
            BlobPrefix = prefix,
            Location = store.Location(prefix),
        }, candidate.Metrics, ct).ConfigureAwait(false);
        return (prefix, create);
    }

    private ReportFile[] Report(EvaluatedCandidate candidate, ProductionState production, string version) =>
    [
        .. RunReportWriter.Write(new ReportInput(
            hold.Run.Model, version, hold.Run.DataDay, production.Current?.Version, candidate.Metrics, candidate.ProductionMetrics, candidate.Gate,
            candidate.History.Select(e => new EpochSummary(e.Epoch, e.Losses, e.Weights, e.GradientCosine, e.ConflictRate)
                { ValidationLosses = e.ValidationLosses }).ToList(),
            candidate.Diagnostics, candidate.Scores, candidate.ProductionScores)),
    ];

    private RunOutcome Outcome(EvaluatedCandidate candidate, ProductionState production, string version, RunStatus status, bool promoted) =>
        new(hold.Run.Id, hold.Run.Model, hold.Run.DataDay, hold.Run.Attempt, status, candidate.Metrics, candidate.ProductionMetrics,
            production.Current?.Version, candidate.Gate, version, promoted);
}
