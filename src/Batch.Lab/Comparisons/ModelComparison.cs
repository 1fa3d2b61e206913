using System.Diagnostics;
using Batch.Core.Options;
using Batch.Core.Frames;
using Batch.Core.Results;
using Batch.Data.Shards;
using Batch.Lab.Synthetic;
using Batch.Evaluation;
using Batch.Modeling.Training;
using Batch.Pipeline.Runs;
using Microsoft.Extensions.Options;
using Polly;
using Batch.Modeling.Architectures;
using Batch.Modeling.Balancers;
using Batch.Modeling.Plugins;

namespace Batch.Lab.Comparisons;

/// <summary>One way to train the model: an architecture with a loss balancer.</summary>
public sealed record Variant(string Label, ArchitectureOptions Architecture, TrainingOptions Training);

/// <summary>
/// One variant's result: metrics as the mean over the seeds it was trained with (each seed's beside them), and
/// the verdict against the single-task baselines.
/// </summary>
public sealed record VariantResult(
    string Label, long Parameters, IReadOnlyList<TaskMetrics> Metrics, ModelDiagnostics Diagnostics,
    IReadOnlyList<EpochLoss> History, TransferVerdict? Verdict, double TrainSeconds)
{
    public IReadOnlyList<IReadOnlyList<TaskMetrics>> PerSeed { get; init; } = [];

    /// <summary>How the row was fitted and chosen (the logistic yardstick), or null.</summary>
    public LogisticChoice? Tuning { get; init; }

    /// <summary>A yardstick (single-task, logistic) rather than a candidate.</summary>
    public bool Yardstick { get; init; }

    /// <summary>The standard deviation of a task's AUC over the seeds (0 with one seed).</summary>
    public double AucSd(string task)
    {
        var aucs = PerSeed.Select(m => m.Single(x => x.Task == task).Auc).ToList();
        if (aucs.Count < 2) return 0;
        var mean = aucs.Average();
        return Math.Sqrt(aucs.Sum(a => (a - mean) * (a - mean)) / (aucs.Count - 1));
    }
}

/// <summary>A comparison: the rows (single-task first, then logistic, then the variants), the truth's metrics when the data has them.</summary>
/// <param name="Headline">the row the summary line reports under the profile's architecture's name</param>
/// <param name="OracleWithoutLatent">the truth without its latent user × item terms, when the data has it: the best a model
/// reaches that learns everything else</param>
public sealed record ComparisonResult(
    IReadOnlyList<VariantResult> Rows, IReadOnlyList<TaskMetrics>? Oracle, int Seeds, string Architecture, VariantResult Headline,
    IReadOnlyList<TaskMetrics>? OracleWithoutLatent = null)
{
    /// <summary>
    /// What the summary line reports, key = output: each binary main task's entire-space output, under the task's
    /// name (its product's when it names one: ctr and ctcvr for the default tasks). Empty: the default tasks.
    /// </summary>
    public IReadOnlyList<(string Key, string Output)> Summarised { get; init; } = [];
}

/// <summary>
/// Trains several variants on the same window of a model's data and measures each on the held-out day against
/// single-task baselines (one network per task, fixed unit weights), which are trained first.
/// </summary>
public sealed class ModelComparison(DayShards shards, ResiliencePipeline transient, SyntheticTruth truth, IOptions<BatchOptions> options)
{
    public const string BaselineLabel = "single-task";
    public const string LogisticLabel = "logistic";

    /// <summary>The profile's balancer with each architecture.</summary>
    public Task<ComparisonResult> CompareArchitecturesAsync(string model, DateOnly day, IReadOnlyList<string> architectures, double tolerance, int seeds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(architectures);
        var profile = options.Value.Profile(model);
        var variants = architectures.Where(a => a is not (SingleTaskPlugin.Id or LogisticPlugin.Id)).Distinct(StringComparer.Ordinal)
            .Select(a => new Variant(a, profile.Architecture.Named(a), profile.Training)).ToList();
        return CompareAsync(model, day, variants, profile.Architecture.Name, profile.Architecture.Name, tolerance, seeds, ct);
    }

    /// <summary>One architecture (the profile's unless named) with each balancer.</summary>
    public Task<ComparisonResult> CompareBalancersAsync(string model, DateOnly day, string? architecture, IReadOnlyList<string> balancers, double tolerance, int seeds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(balancers);
        var profile = options.Value.Profile(model);
        var arch = profile.Architecture.Named(architecture ?? profile.Architecture.Name);
        var variants = balancers.Distinct(StringComparer.Ordinal).Select(b => new Variant($"{arch.Name} + {b}", arch, profile.Training.WithBalancer(b))).ToList();
        return CompareAsync(model, day, variants, arch.Name, $"{arch.Name} + {profile.Training.Balancer.Name}", tolerance, seeds, ct);
    }

    /// <summary>
    /// Trains the yardsticks — single-task (one network per task, fixed unit weights) and logistic (per task a logistic
    /// regression on the profile's features, crosses and transforms, fitted to convergence: <see cref="LogisticYardstick"/>)
    /// — and then each variant, each with <paramref name="seeds"/> seeds, on the same window; measures them on the
    /// held-out day, and the truth when the data is synthetic.
    /// </summary>
    /// <param name="architecture">the name the summary line reports the headline row under</param>
    /// <param name="headline">the variant the summary line reports; the first one when absent</param>
    public async Task<ComparisonResult> CompareAsync(
        string model, DateOnly day, IReadOnlyList<Variant> variants, string architecture, string headline, double tolerance, int seeds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(variants);
        ArgumentOutOfRangeException.ThrowIfLessThan(seeds, 1);
        var problems = variants.SelectMany(v => ProfileRules.Architecture(v.Architecture).Concat(ProfileRules.Training(v.Training)).Select(p => $"{v.Label}: {p}")).ToList();
        if (problems.Count > 0) throw new ArgumentException($"Cannot compare: {string.Join("; ", problems)}.");
        var window = await TrainingData.PrepareAsync(shards, transient, options.Value, model, day, ct).ConfigureAwait(false);
        var profile = window.Profile;
        var tasks = TaskSet.Of(profile);
        // The logistic yardstick and the truth are those of the default tasks (click, conversion); other task sets go without them.
        var defaults = profile.Tasks.Count == 0;

        var plain = profile.Training.WithBalancer(FixedPlugin.Id);
        plain.Balancer.Settings.Remove(FixedPlugin.Id);
        var baseline = Train(window, new Variant(BaselineLabel, profile.Architecture.Named(SingleTaskPlugin.Id), plain), seeds, tasks, ct) with { Yardstick = true };
        TransferVerdict Verdict(VariantResult r) =>
            TransferVerdicts.Classify(profile.JudgedOutputs.Select(t => (r.Metrics.Single(m => m.Task == t).Auc, baseline.Metrics.Single(m => m.Task == t).Auc)).ToList(), tolerance);
        var results = new List<VariantResult> { baseline };
        if (defaults)
        {
            var logistic = Logistic(window, ct);
            results.Add(logistic with { Verdict = Verdict(logistic) });
        }
        foreach (var variant in variants)
        {
            var result = Train(window, variant, seeds, tasks, ct);
            results.Add(result with { Verdict = Verdict(result) });
        }
        var (oracle, withoutLatent) = defaults ? await OracleAsync(window, ct).ConfigureAwait(false) : (null, null);
        // The summary names the row it reports: the headline when it was trained, else the first candidate.
        var named = results.FirstOrDefault(r => r.Label == headline);
        var head = named ?? results.FirstOrDefault(r => !r.Yardstick) ?? results[0];
        return new ComparisonResult(results, oracle, seeds, named is null ? head.Label : architecture, head, withoutLatent)
        {
            Summarised = defaults ? [] : [.. tasks.Tasks.Where(t => t.IsMain && !t.IsRegression).Select(t => (t.Product ?? t.Name, t.OutputName(tasks.Tasks)))],
        };
    }

    /// <summary>The logistic yardstick's row: deterministic, so one fit stands for every seed.</summary>
    private static VariantResult Logistic(PreparedWindow window, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var (metrics, choice, parameters) = LogisticYardstick.Fit(window, ct);
        return new VariantResult(LogisticLabel, parameters, metrics, new ModelDiagnostics(new Dictionary<string, IReadOnlyList<double>>(), null), [], null, clock.Elapsed.TotalSeconds)
        {
            PerSeed = [metrics],
            Yardstick = true,
            Tuning = choice,
        };
    }

    private static VariantResult Train(PreparedWindow window, Variant variant, int seeds, TaskSet tasks, CancellationToken ct)
    {
        var perSeed = new List<IReadOnlyList<TaskMetrics>>();
        VariantResult? first = null;
        var clock = Stopwatch.StartNew();
        for (var k = 0; k < seeds; k++)
        {
            ct.ThrowIfCancellationRequested();
            var training = variant.Training.WithSeed(variant.Training.Seed + k);
            using var candidate = MultiTaskModel.Create(window.Encoders, variant.Architecture, window.Device, training.Seed, tasks);
            var history = Trainer.Train(candidate, window.Encoded, training, ct, validation: window.Validation);
            var (metrics, diagnostics) = ModelEvaluation.Evaluate(candidate, window.HeldOut, window.HeldOutEncoded);
            perSeed.Add(metrics);
            first ??= new VariantResult(variant.Label, candidate.Network.parameters().Sum(p => p.numel()), metrics, diagnostics, history, null, 0);
        }
        double Mean(string task, Func<TaskMetrics, double?> measure) => perSeed.Average(s => measure(s.Single(x => x.Task == task)) ?? double.NaN);
        var mean = first!.Metrics.Select(m => new TaskMetrics(m.Task, Mean(m.Task, x => x.Auc), Mean(m.Task, x => x.LogLoss), m.Count, m.Positives)
        {
            Rmse = m.IsRegression ? Mean(m.Task, x => x.Rmse) : null,
            Mae = m.IsRegression ? Mean(m.Task, x => x.Mae) : null,
        }).ToList();
        return first with { Metrics = mean, PerSeed = perSeed, TrainSeconds = clock.Elapsed.TotalSeconds / seeds };
    }

    /// <summary>
    /// The true probabilities' metrics on the held-out day, when the data is synthetic and has them; and the same without
    /// the latent user × item terms, when those were stored.
    /// </summary>
    private async Task<(IReadOnlyList<TaskMetrics>? Oracle, IReadOnlyList<TaskMetrics>? WithoutLatent)> OracleAsync(PreparedWindow window, CancellationToken ct)
    {
        var frame = window.HeldOut;
        if (await truth.ReadAsync(frame.Ids, ct).ConfigureAwait(false) is not { } p) return (null, null);
        var withoutLatent = p is { ClickWithoutLatent: { } click, ConvertWithoutLatent: { } convert } ? Metrics(frame, click, convert) : null;
        return (Metrics(frame, p.Click, p.Convert), withoutLatent);
    }

    /// <summary>CTR, CVR (clicked impressions) and CTCVR metrics of per-impression probabilities on a frame.</summary>
    private static IReadOnlyList<TaskMetrics> Metrics(DayFrame frame, double[] click, double[] convert)
    {
        var clicked = Enumerable.Range(0, frame.Count).Where(i => frame.Clicked[i]).ToArray();
        return
        [
            TaskEvaluator.Evaluate("ctr", click.Select(x => (float)x).ToArray(), frame.Clicked),
            TaskEvaluator.Evaluate("cvr", clicked.Select(i => (float)convert[i]).ToArray(), clicked.Select(i => frame.Converted[i]).ToArray()),
            TaskEvaluator.Evaluate("ctcvr", click.Zip(convert, (a, b) => (float)(a * b)).ToArray(), frame.Converted),
        ];
    }
}
