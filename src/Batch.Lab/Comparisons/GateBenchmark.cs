using Batch.Core.Options;
using Batch.Data.Shards;
using Batch.Evaluation;
using Batch.Evaluation.Statistics;
using Batch.Modeling.Features;
using Batch.Modeling.Training;
using Batch.Pipeline.Runs;
using Microsoft.Extensions.Options;
using Polly;

namespace Batch.Lab.Comparisons;

/// <summary>How often the gate approved one kind of candidate over the resampled days, and what rejected it.</summary>
/// <param name="Label">what the candidate is</param>
/// <param name="AucChange">per judged task, candidate − production AUC on the whole held-out day</param>
/// <param name="ApprovalRate">share of resampled days on which the gate approved it</param>
/// <param name="Rejections">per rule (task and measure), how many resampled days it rejected</param>
/// <param name="LogLossChange">per judged task, (candidate − production) / production logloss on the whole held-out day</param>
public sealed record GateTrial(
    string Label, IReadOnlyDictionary<string, double> AucChange, IReadOnlyDictionary<string, double> LogLossChange, double ApprovalRate, IReadOnlyDictionary<string, int> Rejections);

/// <summary>What the gate can tell apart at a day's volume: per judged task, the AUC standard error and the smallest drop it rejects.</summary>
/// <param name="Detectable50">the drop rejected on half of such days: margin + z₁₋α·se (the test is "worse by more than the margin")</param>
/// <param name="Detectable80">the drop rejected on 80 % of such days: that plus z₀.₈·se</param>
public sealed record GateSensitivity(string Task, int Positives, double StandardError, double Detectable50, double Detectable80);

/// <param name="Seeds">the first this many trials are same-set-up candidates; the rest are planted worse ones</param>
public sealed record GateBenchmarkResult(int Rows, int Resamples, int Seeds, IReadOnlyList<GateTrial> Trials, IReadOnlyList<GateSensitivity> Sensitivity)
{
    /// <summary>Approval rate over every same-set-up candidate and resample.</summary>
    public double SameSetUpApproval => Trials.Take(Seeds).Average(t => t.ApprovalRate);
}

/// <summary>
/// `batch-lab bench gate`: trains a production model and candidates on the same window — one from the same set-up
/// (another seed), and planted worse ones (a third of the window; one feature shuffled) — scores them all on the
/// held-out day once, then runs the profile's gate on many bootstrap resamples of that day.
/// </summary>
public sealed class GateBenchmark(DayShards shards, ResiliencePipeline transient, IOptions<BatchOptions> options)
{
    /// <param name="seeds">how many same-set-up candidates (each another training seed) to pool</param>
    public async Task<GateBenchmarkResult> RunAsync(string model, DateOnly day, int resamples, int seeds, string shuffled, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 10);
        ArgumentOutOfRangeException.ThrowIfLessThan(seeds, 1);
        var window = await TrainingData.PrepareAsync(shards, transient, options.Value, model, day, ct).ConfigureAwait(false);
        var profile = window.Profile;
        var column = window.Encoders.Categorical.Select(e => e.Column).ToList().IndexOf(shuffled);
        if (column < 0)
            throw new ArgumentException($"'{shuffled}' is not a categorical feature of {model} (features: {string.Join(", ", window.Encoders.Categorical.Select(e => e.Column))}).");

        var seed = profile.Training.Seed;
        var production = Score(window, window.Encoded, seed, ct);
        var third = Enumerable.Range(0, window.Encoded.Rows).Where(i => i % 3 == 0).ToArray();
        (string Label, IReadOnlyList<TaskScores> Scores)[] candidates =
        [
            .. Enumerable.Range(1, seeds).Select(k => ($"same set-up, seed {seed + k}", Score(window, window.Encoded, seed + k, ct))),
            ("trained on a third of the window", Score(window, Frames.Subset(window.Encoded, third), seed + 1, ct)),
            ($"{shuffled} shuffled in training", Score(window, Frames.ShuffleColumn(window.Encoded, column, new Random(unchecked((int)seed))), seed + 1, ct)),
        ];

        var judged = profile.JudgedOutputs;
        var random = new Random(unchecked((int)seed) + 7);
        var approvals = new int[candidates.Length];
        var rejections = candidates.Select(_ => new Dictionary<string, int>(StringComparer.Ordinal)).ToArray();
        var errors = judged.ToDictionary(t => t, _ => new List<double>(), StringComparer.Ordinal);
        for (var r = 0; r < resamples; r++)
        {
            ct.ThrowIfCancellationRequested();
            var rows = Enumerable.Range(0, window.HeldOut.Count).Select(_ => random.Next(window.HeldOut.Count)).ToArray();
            var p = Resample(production, rows, window.HeldOut.Clicked);
            for (var c = 0; c < candidates.Length; c++)
            {
                var decision = GatePolicy.Decide(profile.Gate, Resample(candidates[c].Scores, rows, window.HeldOut.Clicked), p, judged);
                if (decision.Approved) approvals[c]++;
                foreach (var failed in decision.Judgements.Where(j => !j.Passed))
                    rejections[c][$"{failed.Task} {failed.Measure}"] = rejections[c].GetValueOrDefault($"{failed.Task} {failed.Measure}") + 1;
                if (c < seeds)
                    foreach (var j in decision.Judgements.Where(j => j.Measure == "auc"))
                        errors[j.Task].Add((j.High - j.Low) / (2 * Normal.Quantile(0.975)));
            }
        }

        var trials = candidates.Select((c, i) => new GateTrial(
            c.Label,
            judged.ToDictionary(t => t, t => Auc(c.Scores, t) - Auc(production, t), StringComparer.Ordinal),
            judged.ToDictionary(t => t, t => LogLoss(c.Scores, t) / LogLoss(production, t) - 1, StringComparer.Ordinal),
            (double)approvals[i] / resamples,
            rejections[i])).ToList();
        var zAlpha = Normal.Quantile(1 - profile.Gate.Alpha);
        var sensitivity = judged.Select(t =>
        {
            var se = Median(errors[t]);
            var at50 = profile.Gate.MaxAucDrop + zAlpha * se;
            return new GateSensitivity(t, production.Single(s => s.Task == t).Positives, se, at50, at50 + Normal.Quantile(0.8) * se);
        }).ToList();
        return new GateBenchmarkResult(window.HeldOut.Count, resamples, seeds, trials, sensitivity);
    }

    private static IReadOnlyList<TaskScores> Score(PreparedWindow window, EncodedFrame training, long seed, CancellationToken ct)
    {
        var settings = window.Profile.Training.WithSeed(seed);
        using var candidate = MultiTaskModel.Create(window.Encoders, window.Profile.Architecture, window.Device, seed);
        Trainer.Train(candidate, training, settings, ct, validation: window.Validation);
        return ModelEvaluation.Score(candidate, window.HeldOut, window.HeldOutEncoded).Scores;
    }

    /// <summary>The scores of the resampled rows; cvr (scored on clicked rows only) follows its rows.</summary>
    private static TaskScores[] Resample(IReadOnlyList<TaskScores> scores, int[] rows, bool[] clicked)
    {
        var clickedIndex = new int[clicked.Length];
        for (int i = 0, k = 0; i < clicked.Length; i++) clickedIndex[i] = clicked[i] ? k++ : -1;
        return scores.Select(s => s.Task == "cvr"
            ? Pick(s, rows.Where(r => clicked[r]).Select(r => clickedIndex[r]).ToArray())
            : Pick(s, rows)).ToArray();
    }

    private static TaskScores Pick(TaskScores s, int[] rows) =>
        new(s.Task, rows.Select(r => s.Probabilities[r]).ToArray(), rows.Select(r => s.Labels[r]).ToArray());

    private static double Auc(IReadOnlyList<TaskScores> scores, string task)
    {
        var s = scores.Single(x => x.Task == task);
        return Metrics.Auc(s.Probabilities, s.Labels);
    }

    private static double LogLoss(IReadOnlyList<TaskScores> scores, string task)
    {
        var s = scores.Single(x => x.Task == task);
        return Metrics.LogLoss(s.Probabilities, s.Labels);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }
}
