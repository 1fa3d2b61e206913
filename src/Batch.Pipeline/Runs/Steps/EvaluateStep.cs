using Batch.Core.Frames;
using Batch.Core.Options;
using Batch.Core.Results;
using Batch.Data.Extraction;
using Batch.Evaluation;
using Batch.Pipeline.Ledger;
using Batch.Pipeline.Production;
using Batch.Pipeline.Scoring;
using Batch.Publishing;
using Polly;

namespace Batch.Pipeline.Runs.Steps;

/// <summary>The candidate's and production's scores and metrics on the held-out day, against production as it stands now.</summary>
internal sealed record Evaluation(
    ProductionState Production, IReadOnlyList<TaskScores> Scores, IReadOnlyList<TaskScores>? ProductionScores,
    IReadOnlyList<TaskMetrics> Metrics, ModelDiagnostics Diagnostics, IReadOnlyList<TaskMetrics>? ProductionMetrics);

/// <summary>
/// evaluate: production is read (reconciled) again — another day's run may have moved it while this one trained —
/// and the candidate and production are scored on the held-out day, production with its own features.
/// </summary>
internal sealed class EvaluateStep(ProductionReconciler reconciler, ModelStore store, DayExtractor extractor, ResiliencePipeline transient)
    : IRunStep<(Attempt Attempt, TrainedCandidate Candidate, DayFrame HeldOut), Evaluation, EvaluateDetail>
{
    public string Name => "evaluate";

    public async Task<StepResult<Evaluation, EvaluateDetail>> RunAsync((Attempt Attempt, TrainedCandidate Candidate, DayFrame HeldOut) input, CancellationToken ct)
    {
        var (attempt, candidate, heldOut) = input;
        var model = attempt.Run.Model;
        var state = await reconciler.ReconcileAsync(model, ct).ConfigureAwait(false);
        var (scores, diagnostics) = ModelEvaluation.Score(candidate.Model, heldOut);
        var productionScores = state.Current is { } current
            ? await ScoreProductionAsync(model, current.Version, heldOut, attempt.Settings, attempt.Device, ct).ConfigureAwait(false)
            : null;
        var metrics = ModelEvaluation.Measure(scores);
        var productionMetrics = productionScores is null ? null : ModelEvaluation.Measure(productionScores);
        return new(new Evaluation(state, scores, productionScores, metrics, diagnostics, productionMetrics),
            new EvaluateDetail(metrics, diagnostics, productionMetrics, state.Current?.Version));
    }

    /// <summary>Production's scores on the held-out rows, read with its own features when they differ from the profile's.</summary>
    private async Task<IReadOnlyList<TaskScores>> ScoreProductionAsync(
        string model, string version, DayFrame heldOut, BatchOptions settings, TorchSharp.torch.Device device, CancellationToken ct)
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
}
