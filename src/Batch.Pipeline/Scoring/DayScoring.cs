using Batch.Core.Frames;
using Batch.Core.Options;
using Batch.Data.Extraction;
using Batch.Modeling.Training;
using Batch.Pipeline.Ledger;
using Batch.Pipeline.Runs;
using Batch.Publishing;
using Microsoft.Extensions.Options;
using Polly;

namespace Batch.Pipeline.Scoring;

/// <summary>A published version's scores of every impression of a day, for checks and back-fills.</summary>
/// <param name="Tasks">the version's tasks, whose labels the frame carries</param>
public sealed record ScoredDay(string Model, string Version, DateOnly Day, DayFrame Frame, Predictions Predictions, TaskSet Tasks);

/// <summary>
/// Scores a day with a published (approved) version — production's unless one is named — reading the columns
/// that version's own manifest names, so a version scores the same as when it was published.
/// </summary>
public sealed class DayScoring(ModelStore store, ModelHistory history, DayExtractor extractor, ResiliencePipeline transient, IOptions<BatchOptions> options)
{
    public async Task<ScoredDay> ScoreAsync(string model, string? version, DateOnly day, CancellationToken ct)
    {
        var settings = options.Value;
        var profile = settings.Profile(model);
        var chosen = await ChooseAsync(model, version, ct).ConfigureAwait(false);
        var (_, loaded) = await PublishedModel.LoadAsync(store, model, chosen, TorchDevices.Resolve(settings.Device), profile.Source.Impressions.Clicked, ct).ConfigureAwait(false);
        using var scorer = loaded;
        var frame = await TrainingData.ExtractDaysAsync(extractor, transient, SourceSpec.Of(profile, settings).WithFeatures(scorer.Encoders.Columns()).WithLabels(scorer.Tasks.ExtraLabels), day, day, ct).ConfigureAwait(false);
        if (frame.Count == 0)
            throw new InvalidOperationException($"{day:yyyy-MM-dd} has no impressions to score; check the day (in {settings.BusinessTimeZone}).");
        return new ScoredDay(model, chosen, day, frame, Scorer.Predict(scorer, scorer.Encoders.Encode(frame, scorer.Tasks)), scorer.Tasks);
    }

    private async Task<string> ChooseAsync(string model, string? version, CancellationToken ct)
    {
        var approved = await history.ApprovedVersionsAsync(model, ct).ConfigureAwait(false);
        var listed = approved.Count == 0 ? "it has none yet" : "approved: " + string.Join(", ", approved.Take(5).Select(v => v.Version)) + (approved.Count > 5 ? ", …" : "");
        if (version is null)
        {
            var (pointer, _) = await store.GetPointerAsync(model, ct).ConfigureAwait(false);
            return pointer?.Version ?? throw new InvalidOperationException($"{model} has no production version in '{store.ContainerName}'; name one with --version ({listed}).");
        }
        var record = approved.FirstOrDefault(v => v.Version == version)
            ?? throw new InvalidOperationException($"{version} is not an approved version of {model}; only published versions are scored ({listed}).");
        if (record.Container != store.ContainerName)
            throw new InvalidOperationException($"{version} of {model} is in container '{record.Container}', not the configured '{store.ContainerName}'; set Batch:BlobContainer to score it.");
        return version;
    }
}
