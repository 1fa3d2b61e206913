using Batch.Data.Extraction;
using Batch.Core.Frames;
using Batch.Core.Options;
using Batch.Core.Results;
using Batch.Data.Shards;
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
internal sealed class EvaluateStep(ProductionReconciler reconciler, ModelStore store, DayShards shards, ResiliencePipeline transient)
    : IRunStep<(Attempt Attempt, TrainedCandidate Candidate, ShardedWindow HeldOut), Evaluation, EvaluateDetail>
{
    public string Name => "evaluate";

    public async Task<StepResult<Evaluation, EvaluateDetail>> RunAsync((Attempt Attempt, TrainedCandidate Candidate, ShardedWindow HeldOut) input, CancellationToken ct)
    {
        var (attempt, candidate, heldOut) = input;
        var model = attempt.Run.Model;
        var state = await reconciler.ReconcileAsync(model, ct).ConfigureAwait(false);
        // The held-out day is read from its shard in parts: one part's rows in memory at a time, beside the scores.
        var (scores, diagnostics) = ModelEvaluation.Score(candidate.Model, heldOut.Days());
        var productionScores = state.Current is { } current
            ? await ScoreProductionAsync(model, current.Version, heldOut, attempt, ct).ConfigureAwait(false)
            : null;
        var metrics = ModelEvaluation.Measure(scores);
        var productionMetrics = productionScores is null ? null : ModelEvaluation.Measure(productionScores);
        return new(new Evaluation(state, scores, productionScores, metrics, diagnostics, productionMetrics),
            new EvaluateDetail(metrics, diagnostics, productionMetrics, state.Current?.Version));
    }

    /// <summary>Production's scores on the held-out rows, read with its own features and labels when they differ from the profile's.</summary>
    private async Task<IReadOnlyList<TaskScores>> ScoreProductionAsync(string model, string version, ShardedWindow heldOut, Attempt attempt, CancellationToken ct)
    {
        var (_, loaded) = await PublishedModel.LoadAsync(store, model, version, attempt.Device, attempt.Profile.Source.Impressions.Clicked, ct).ConfigureAwait(false);
        using var production = loaded;
        var needed = production.Encoders.Columns();
        var spec = SourceSpec.Of(attempt.Profile, attempt.Settings);
        var labels = production.Tasks.ExtraLabels;
        if (Covers(attempt.Profile.Features, needed) && labels.All(l => spec.Labels.Any(s => s.Key == l.Key))) return ModelEvaluation.Score(production, heldOut.Days()).Scores;

        var settings = attempt.Settings;
        var day = heldOut.FirstDay;
        var (shard, rows, _) = await transient.ExecuteAsync(async t =>
            await shards.ShardAsync(spec.WithFeatures(needed).WithLabels(labels), day, t).ConfigureAwait(false), ct).ConfigureAwait(false);
        using var own = new ShardedWindow(day, day);
        own.Add(day, shard, rows);
        if (!own.Ids().SelectMany(ids => ids).SequenceEqual(heldOut.Ids().SelectMany(ids => ids)))
            throw new InvalidOperationException($"The held-out day read with production's features ({own.Count} rows) is not the candidate's ({heldOut.Count} rows); the source changed during the run. Re-run the day.");
        return ModelEvaluation.Score(production, own.Days()).Scores;
    }

    /// <summary>Whether the profile's columns include every column the encoders read (production may read others).</summary>
    private static bool Covers(FeatureOptions profile, FeatureOptions needed) =>
        needed.Categorical.All(profile.Categorical.Contains) && needed.Numeric.All(profile.Numeric.Contains);
}
