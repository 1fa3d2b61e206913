using System.Diagnostics;
using Batch.Core.Options;
using Batch.Core.Results;
using Batch.Data.Extraction;
using Batch.Evaluation;
using Batch.Modeling.Training;
using Batch.Pipeline.Runs;
using Microsoft.Extensions.Options;
using Polly;

namespace Batch.Pipeline.Comparisons;

/// <summary>One way to train the model: an architecture with a loss balancer.</summary>
public sealed record Variant(string Label, ArchitectureOptions Architecture, TrainingOptions Training);

/// <summary>One variant's result; the verdict is against the single-task baselines.</summary>
public sealed record VariantResult(
    string Label, long Parameters, IReadOnlyList<TaskMetrics> Metrics, ModelDiagnostics Diagnostics,
    IReadOnlyList<EpochLoss> History, TransferVerdict? Verdict, double TrainSeconds);

/// <summary>
/// Trains several variants on the same window of a model's data and measures each on the held-out day against
/// single-task baselines (one network per task, fixed unit weights), which are trained first.
/// </summary>
public sealed class ModelComparison(DayExtractor extractor, ResiliencePipeline transient, IOptions<BatchOptions> options)
{
    public const string BaselineLabel = "single-task";

    /// <summary>The profile's balancer with each architecture.</summary>
    public Task<IReadOnlyList<VariantResult>> CompareArchitecturesAsync(string model, DateOnly day, IReadOnlyList<string> architectures, double tolerance, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(architectures);
        var profile = options.Value.Profile(model);
        return CompareAsync(model, day,
            architectures.Where(a => a != ArchitectureOptions.SingleTask).Distinct(StringComparer.Ordinal)
                .Select(a => new Variant(a, profile.Architecture.Named(a), profile.Training)).ToList(),
            tolerance, ct);
    }

    /// <summary>One architecture (the profile's unless named) with each balancer.</summary>
    public Task<IReadOnlyList<VariantResult>> CompareBalancersAsync(string model, DateOnly day, string? architecture, IReadOnlyList<string> balancers, double tolerance, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(balancers);
        var profile = options.Value.Profile(model);
        var arch = profile.Architecture.Named(architecture ?? profile.Architecture.Name);
        return CompareAsync(model, day,
            balancers.Distinct(StringComparer.Ordinal).Select(b => new Variant($"{arch.Name} + {b}", arch, profile.Training.WithBalancer(b))).ToList(),
            tolerance, ct);
    }

    public async Task<IReadOnlyList<VariantResult>> CompareAsync(string model, DateOnly day, IReadOnlyList<Variant> variants, double tolerance, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(variants);
        var problems = variants.SelectMany(v => v.Architecture.Problems().Concat(v.Training.Problems()).Select(p => $"{v.Label}: {p}")).ToList();
        if (problems.Count > 0) throw new ArgumentException($"Cannot compare: {string.Join("; ", problems)}.");
        var window = await TrainingData.PrepareAsync(extractor, transient, options.Value, model, day, ct).ConfigureAwait(false);
        var profile = window.Profile;

        var baselineTraining = profile.Training.WithBalancer(BalancerOptions.Fixed);
        baselineTraining.Balancer.Weights = [];
        var baselineVariant = new Variant(BaselineLabel, profile.Architecture.Named(ArchitectureOptions.SingleTask), baselineTraining);
        var results = new List<VariantResult>();
        IReadOnlyList<TaskMetrics>? baseline = null;
        foreach (var variant in variants.Prepend(baselineVariant))
        {
            ct.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            using var candidate = MultiTaskModel.Create(window.Encoders, variant.Architecture, window.Device, variant.Training.Seed);
            var history = Trainer.Train(candidate, window.Encoded, variant.Training, ct);
            var seconds = clock.Elapsed.TotalSeconds;
            var (metrics, diagnostics) = ModelEvaluation.Evaluate(candidate, window.HeldOut, window.HeldOutEncoded);
            TransferVerdict? verdict = baseline is null
                ? null
                : TransferVerdicts.Classify(
                    profile.Gate.JudgedTasks.Select(t => (metrics.Single(m => m.Task == t).Auc, baseline.Single(m => m.Task == t).Auc)).ToList(),
                    tolerance);
            baseline ??= metrics;
            results.Add(new VariantResult(variant.Label, candidate.Network.parameters().Sum(p => p.numel()), metrics, diagnostics, history, verdict, seconds));
        }
        return results;
    }
}
