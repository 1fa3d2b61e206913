using System.Reflection;
using System.Text.Json;
using Batch.Core.Days;
using Batch.Core.Frames;
using Batch.Core.Options;
using Batch.Core.Results;
using Batch.Data.Extraction;
using Batch.Data.Validation;
using Batch.Evaluation;
using Batch.Modeling.Features;
using Batch.Modeling.Training;
using Batch.Pipeline.Ledger;
using Batch.Pipeline.Production;
using Batch.Pipeline.Scoring;
using Batch.Publishing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Batch.Modeling.Plugins;

namespace Batch.Pipeline.Runs;

/// <summary>
/// One attempt of (model, day): preflight → extract → validate → train → evaluate → gate → publish, every step in
/// the ledger, every write fenced by the attempt's hold on its day. A rejected candidate is kept under
/// <c>rejected/</c> and never promoted; a failed step, or an attempt that lost its hold, publishes nothing.
/// </summary>
public sealed class RetrainPipeline(
    DayExtractor extractor,
    ConversionChecks conversionChecks,
    ModelStore store,
    RunLedger ledger,
    ProductionReconciler reconciler,
    RunObservers observers,
    IOptions<BatchOptions> options,
    ResiliencePipeline transient,
    ILogger<RetrainPipeline> logger)
{
    public async Task<RunOutcome> RunAsync(string model, DateOnly day, string trigger, string? jobId, CancellationToken ct)
    {
        var settings = options.Value;
        var profile = settings.Profile(model);
        profile.Validate(model);
        var run = await ledger.StartAsync(model, day, trigger, jobId, settings.RunLease, ct).ConfigureAwait(false);
        PipelineLog.RunStarted(logger, run.Id, model, day, run.Attempt, trigger);
        await using var hold = RunHold.Begin(ledger, run, logger);
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
        var run = hold.Run;
        var steps = new RunSteps(hold, observers, logger);
        var day = run.DataDay;
        var zone = settings.TimeZone();
        var device = TorchDevices.Resolve(settings.Device);

        await steps.RunAsync("preflight", async () =>
        {
            var state = await reconciler.ReconcileAsync(run.Model, ct).ConfigureAwait(false);
            return (true, (object)new PreflightDetail(
                state.Container, state.Endpoint, state.ContainerExists, state.FirstModel,
                state.Current?.Version, state.Recorded?.Version, state.InFlight?.Promotion.Version, state.Repairs));
        }, ct).ConfigureAwait(false);

        var (train, heldOut) = await steps.RunAsync("extract", async () =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var (t, h) = await TrainingData.ExtractAsync(extractor, transient, profile, settings, day, ct,
                rows => observers.Progress(run, new RunProgress("extract", rows, 0, "rows", clock.Elapsed))).ConfigureAwait(false);
            return ((t, h), (object)new ExtractDetail(t.Count, t.RowsPerDay(), t.FirstDay, t.LastDay, h.Count, day));
        }, ct).ConfigureAwait(false);

        await steps.RunAsync("validate", async () =>
        {
            var findings = TrainingData.Findings(train, heldOut, profile).Concat(await transient.ExecuteAsync(async t =>
                await conversionChecks.FindAsync(train.FirstDay, day, zone, settings.ConversionWindowDays, t).ConfigureAwait(false), ct).ConfigureAwait(false)).ToList();
            TrainingData.ThrowIfAny(run.Model, day, findings);
            return (true, (object)new ValidateDetail(Rate(train.Clicked), Rate(train.Converted), Rate(heldOut.Clicked), Rate(heldOut.Converted)));
        }, ct).ConfigureAwait(false);

        var (candidate, history) = await steps.RunAsync("train", () =>
        {
            var window = TrainingData.Encode(train, profile);
            var model = MultiTaskModel.Create(window.Encoders, profile.Architecture, device, profile.Training.Seed);
            try
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var epochs = Trainer.Train(model, window.Fit, profile.Training, ct,
                    p => observers.Progress(run, new RunProgress("train", p.Samples, p.TotalSamples, "samples", clock.Elapsed, p.Epoch, p.Epochs, p.Batch, p.Batches)),
                    window.Validation);
                return Task.FromResult(((model, epochs), (object)new TrainDetail(
                    device.ToString(), window.Fit.Rows, window.Validation?.Rows ?? 0, profile.Training.Balancer.Name,
                    epochs.FirstOrDefault(e => e.Kept)?.Epoch ?? epochs.Count, epochs)));
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }, ct).ConfigureAwait(false);
        using var _ = candidate;

        var (production, scores, productionScores, metrics, diagnostics, productionMetrics) = await steps.RunAsync("evaluate", async () =>
        {
            // Production may have moved while this attempt trained (another day's run): read it, reconciled, now.
            var state = await reconciler.ReconcileAsync(run.Model, ct).ConfigureAwait(false);
            var (c, d) = ModelEvaluation.Score(candidate, heldOut);
            var p = state.Current is { } current
                ? await ScoreProductionAsync(run.Model, current.Version, heldOut, profile, settings, device, ct).ConfigureAwait(false)
                : null;
            var cm = ModelEvaluation.Measure(c);
            var pm = p is null ? null : ModelEvaluation.Measure(p);
            return ((state, c, p, cm, d, pm), (object)new EvaluateDetail(cm, d, pm, state.Current?.Version));
        }, ct).ConfigureAwait(false);

        var gate = await steps.RunAsync("gate", async () =>
        {
            var decision = GatePolicy.Decide(profile.Gate, scores, productionScores);
            await hold.RecordGateAsync(decision, metrics, productionMetrics, production.Current?.Version, ct).ConfigureAwait(false);
            return (decision, (object)decision);
        }, ct).ConfigureAwait(false);

        var publish = new PublishStep(store, hold, steps, observers, logger);
        var evaluated = new EvaluatedCandidate(candidate, history, metrics, diagnostics, productionMetrics, gate, profile, CodeVersion, scores, productionScores);
        return await publish.RunAsync(evaluated, production, ct).ConfigureAwait(false);
    }

    /// <summary>Production's scores on the held-out rows, read with its own features when they differ from the profile's.</summary>
    private async Task<IReadOnlyList<TaskScores>> ScoreProductionAsync(
        string model, string version, DayFrame heldOut, ModelProfile profile, BatchOptions settings, TorchSharp.torch.Device device, CancellationToken ct)
    {
        var (_, loaded) = await PublishedModel.LoadAsync(store, model, version, device, ct).ConfigureAwait(false);
        using var production = loaded;
        var needed = production.Encoders.Columns();
        var frame = Covers(heldOut, needed)
            ? heldOut
            : await TrainingData.ExtractDaysAsync(extractor, transient, needed, heldOut.FirstDay, heldOut.LastDay, settings.TimeZone(), settings.ConversionWindowDays, ct).ConfigureAwait(false);
        if (!frame.Ids.AsSpan().SequenceEqual(heldOut.Ids))
            throw new InvalidOperationException($"The held-out day read with production's features ({frame.Count} rows) is not the candidate's ({heldOut.Count} rows); the source changed during the run. Re-run the day.");
        return ModelEvaluation.Score(production, frame).Scores;
    }

    /// <summary>Whether the frame holds every column the encoders read (production may read others than the profile).</summary>
    private static bool Covers(DayFrame frame, FeatureOptions needed) =>
        needed.Categorical.All(c => frame.Categorical.Any(col => col.Name == c)) && needed.Numeric.All(n => frame.Numeric.Any(col => col.Name == n));

    private static double Rate(bool[] labels) => labels.Length == 0 ? 0 : (double)labels.Count(l => l) / labels.Length;

    private static string CodeVersion =>
        typeof(RetrainPipeline).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(RetrainPipeline).Assembly.GetName().Version?.ToString(3) ?? "unknown";
}
