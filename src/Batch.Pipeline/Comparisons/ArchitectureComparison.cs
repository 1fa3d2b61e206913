using System.Diagnostics;
using Batch.Core.Options;
using Batch.Core.Results;
using Batch.Data.Extraction;
using Batch.Evaluation;
using Batch.Modeling.Features;
using Batch.Modeling.Training;
using Batch.Pipeline.Runs;
using Microsoft.Extensions.Options;
using Polly;

namespace Batch.Pipeline.Comparisons;

/// <summary>One architecture's result in a comparison; the verdict is against the single-task baselines.</summary>
public sealed record ArchitectureResult(
    string Architecture, long Parameters, IReadOnlyList<TaskMetrics> Metrics, ModelDiagnostics Diagnostics,
    TransferVerdict? Verdict, double TrainSeconds);

/// <summary>
/// Trains several architectures on the same window of a model's data, with the profile's sizes and training
/// settings, and measures each against single-task baselines on the held-out day.
/// </summary>
public sealed class ArchitectureComparison(DayExtractor extractor, ResiliencePipeline transient, IOptions<BatchOptions> options)
{
    public async Task<IReadOnlyList<ArchitectureResult>> CompareAsync(
        string model, DateOnly day, IReadOnlyList<string> architectures, double tolerance, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(architectures);
        var settings = options.Value;
        var profile = settings.Profile(model);
        profile.Validate(model);
        var problems = architectures.SelectMany(n => profile.Architecture.Named(n).Problems().Select(p => $"{n}: {p}")).ToList();
        if (problems.Count > 0) throw new ArgumentException($"Cannot compare: {string.Join("; ", problems)}.");

        var (train, heldOut) = await TrainingData.ExtractAsync(extractor, transient, profile, settings, day, ct).ConfigureAwait(false);
        TrainingData.Validate(model, day, train, heldOut);
        var encoders = FeatureEncoders.Fit(train, profile.Features);
        var encoded = encoders.Encode(train);
        var device = TorchDevices.Resolve(settings.Device);

        var results = new List<ArchitectureResult>();
        IReadOnlyList<TaskMetrics>? baseline = null;
        foreach (var name in new[] { ArchitectureOptions.SingleTask }.Concat(architectures.Where(a => a != ArchitectureOptions.SingleTask)).Distinct(StringComparer.Ordinal))
        {
            var clock = Stopwatch.StartNew();
            using var candidate = MultiTaskModel.Create(encoders, profile.Architecture.Named(name), device, profile.Training.Seed);
            Trainer.Train(candidate, encoded, profile.Training, ct);
            var seconds = clock.Elapsed.TotalSeconds;
            var (metrics, diagnostics) = ModelEvaluation.Evaluate(candidate, heldOut);
            baseline ??= metrics;
            var verdict = name == ArchitectureOptions.SingleTask
                ? (TransferVerdict?)null
                : TransferVerdicts.Classify(
                    profile.Gate.JudgedTasks.Select(t => (metrics.Single(m => m.Task == t).Auc, baseline.Single(m => m.Task == t).Auc)).ToList(),
                    tolerance);
            results.Add(new ArchitectureResult(name, candidate.Network.parameters().Sum(p => p.numel()), metrics, diagnostics, verdict, seconds));
        }
        return results;
    }
}
