using Batch.Core.Options;
using Batch.Core.Results;
using Batch.Data.Shards;
using Batch.Modeling.Training;
using Batch.Pipeline.Runs;
using Microsoft.Extensions.Options;
using Polly;
using Batch.Modeling.Balancers;
using Batch.Modeling.Plugins;

namespace Batch.Lab.Comparisons;

/// <summary>What happened to the other task while only one task's loss was trained.</summary>
public sealed record RelatednessResult(
    string TrainedTask, string WatchedTask, TaskMetrics WatchedBefore, TaskMetrics WatchedAfter, IReadOnlyList<EpochLoss> History, string Reading);

/// <summary>
/// The relatedness probe from practice: train on one task's loss only and watch the other task's held-out loss.
/// If it falls too, the tasks share what they learn; if it stays flat or rises, combine them with care.
/// </summary>
public sealed class RelatednessProbe(DayShards shards, ResiliencePipeline transient, IOptions<BatchOptions> options)
{
    private static readonly (string Trained, string Watched, double[] Weights)[] Probes =
    [
        ("ctr", "ctcvr", [1.0, 0.0]),
        ("ctcvr", "ctr", [0.0, 1.0]),
    ];

    /// <param name="tolerance">relative change of the watched loss that counts as a move (0.01 = 1 %)</param>
    public async Task<IReadOnlyList<RelatednessResult>> ProbeAsync(string model, DateOnly day, double tolerance, CancellationToken ct)
    {
        var window = await TrainingData.PrepareAsync(shards, transient, options.Value, model, day, ct).ConfigureAwait(false);

        var results = new List<RelatednessResult>();
        foreach (var (trained, watched, weights) in Probes)
        {
            var training = window.Profile.Training.WithBalancer(FixedPlugin.Id);
            training.Balancer.With(FixedPlugin.Id, new FixedSettings { Weights = [.. weights] });
            using var candidate = MultiTaskModel.Create(window.Encoders, window.Profile.Architecture, window.Device, training.Seed);
            var before = Watched(ModelEvaluation.Evaluate(candidate, window.HeldOut, window.HeldOutEncoded).Metrics, watched);
            var history = Trainer.Train(candidate, window.Encoded, training, ct);
            var after = Watched(ModelEvaluation.Evaluate(candidate, window.HeldOut, window.HeldOutEncoded).Metrics, watched);
            var change = (after.LogLoss - before.LogLoss) / before.LogLoss;
            var reading = change < -tolerance ? "related: it fell too"
                : change > tolerance ? "conflicting: it rose"
                : "unrelated: it stayed flat";
            results.Add(new RelatednessResult(trained, watched, before, after, history, reading));
        }
        return results;
    }

    private static TaskMetrics Watched(IReadOnlyList<TaskMetrics> metrics, string task) => metrics.Single(m => m.Task == task);
}
