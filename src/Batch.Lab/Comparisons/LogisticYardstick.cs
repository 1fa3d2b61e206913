using System.Globalization;
using Batch.Core.Results;
using Batch.Evaluation;
using Batch.Modeling.Features;
using Batch.Pipeline.Runs;

namespace Batch.Lab.Comparisons;

/// <summary>One L2 strength tried for one fit: its validation logloss and the solver's iterations.</summary>
public sealed record PenaltyTrial(double Lambda, double ValidationLoss, int Iterations);

/// <summary>One task's logistic regression: the strength chosen and every strength tried.</summary>
public sealed record TaskFit(string Task, double Lambda, IReadOnlyList<PenaltyTrial> Trials);

/// <summary>
/// How the logistic yardstick was chosen: the fits (click, conversion among clicks, conversion directly), the days the
/// strengths were judged on, and the held-out CTCVR AUC of both ways to CTCVR — ESMM's product pCTR · pCVR, and a
/// regression on the conversion label over every impression — of which the comparison reports the stronger.
/// </summary>
public sealed record LogisticChoice(IReadOnlyList<TaskFit> Fits, string JudgedOn, double ProductCtcvrAuc, double DirectCtcvrAuc)
{
    public bool Direct => DirectCtcvrAuc > ProductCtcvrAuc;

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"fitted to convergence (L-BFGS), L2 chosen on the validation logloss of {JudgedOn}: {string.Join("; ", Fits.Select(f => $"{f.Task} λ {f.Lambda:G2} (tried {string.Join(", ", f.Trials.Select(t => $"{t.Lambda:G2} → {t.ValidationLoss:F5}"))})"))}; " +
        $"ctcvr {(Direct ? "directly" : "as ESMM's product")}, the stronger on the held-out day: {ProductCtcvrAuc:F4} as the product, {DirectCtcvrAuc:F4} directly");
}

/// <summary>
/// The logistic yardstick a deep model is compared with, made as strong as a linear model gets on the same features: per
/// task a logistic regression on the profile's encoded features (every field one-hot — crosses and quantile buckets
/// included — and the numeric values as the profile transforms and standardises them), fitted to convergence by L-BFGS,
/// its L2 strength chosen from <see cref="Penalties"/> on the validation days (or, without any, on the window's last
/// day with the encoders fitted on the days before). CTCVR is both ESMM's product of the click and conversion-among-clicks
/// regressions and a regression of its own on the conversion label; the stronger on the held-out day is reported, so
/// that the yardstick flatters no model compared with it.
/// </summary>
public static class LogisticYardstick
{
    /// <summary>The L2 strengths tried, strongest first: each fit starts from the one before.</summary>
    public static readonly IReadOnlyList<double> Penalties = [1e-2, 1e-3, 1e-4, 1e-5, 1e-6];

    public static (IReadOnlyList<TaskMetrics> Metrics, LogisticChoice Choice, long Parameters) Fit(PreparedWindow window, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(window);
        var days = window.Profile.Training.ValidationDays;
        var split = window.Validation is { } validation
            ? new EncodedWindow(window.Encoders, window.Encoded, validation)
            : TrainingData.Encode(window.Train, window.Profile.Features, days: 1);
        var judged = window.Validation is null ? $"{window.Train.LastDay:yyyy-MM-dd}" : $"the last {days} training day{(days == 1 ? "" : "s")}";
        var fits = Tasks.Select(task => Choose(task, split, ct)).ToList();
        // The fits the held-out day is scored with: on the rows the chosen strengths were judged from, with the window's encoders.
        var thetas = fits.Select(f => window.Validation is null
            ? LogisticRegression.Fit(Design(f.Fit.Task, window.Encoded, window.Encoders), f.Fit.Lambda).Theta
            : f.Theta).ToList();
        var heldOut = LogisticDesign.From(window.HeldOutEncoded, window.Encoders.Cardinalities, (_, _) => 0);
        var (ctr, cvr, direct) = (Probabilities(heldOut, thetas[0]), Probabilities(heldOut, thetas[1]), Probabilities(heldOut, thetas[2]));
        var product = ctr.Zip(cvr, (a, b) => a * b).ToArray();
        var frame = window.HeldOut;
        var clicked = Enumerable.Range(0, frame.Count).Where(i => frame.Clicked[i]).ToArray();
        var (productAuc, directAuc) = (Metrics.Auc(product, frame.Converted), Metrics.Auc(direct, frame.Converted));
        var choice = new LogisticChoice(fits.Select(f => f.Fit).ToList(), judged, productAuc, directAuc);
        IReadOnlyList<TaskMetrics> metrics =
        [
            TaskEvaluator.Evaluate("ctr", ctr, frame.Clicked),
            TaskEvaluator.Evaluate("cvr", clicked.Select(i => cvr[i]).ToArray(), clicked.Select(i => frame.Converted[i]).ToArray()),
            TaskEvaluator.Evaluate("ctcvr", choice.Direct ? direct : product, frame.Converted),
        ];
        return (metrics, choice, (long)heldOut.Parameters * (choice.Direct ? 3 : 2));
    }

    private static readonly string[] Tasks = ["ctr", "cvr", "ctcvr"];

    /// <summary>A task's rows and labels: clicks over every impression, conversions among the clicked ones, conversions over every impression.</summary>
    private static LogisticDesign Design(string task, IEncodedRows rows, FeatureEncoders encoders) =>
        LogisticDesign.From(rows, encoders.Cardinalities, task switch
        {
            "ctr" => (b, i) => b.Target(i, 0),
            "cvr" => (b, i) => b.Target(i, 0) > 0 ? b.Target(i, 1) : null,
            _ => (b, i) => b.Target(i, 1),
        });

    private static (TaskFit Fit, double[] Theta) Choose(string task, EncodedWindow split, CancellationToken ct)
    {
        var (train, validation) = (Design(task, split.Fit, split.Encoders), Design(task, split.Validation!, split.Encoders));
        var trials = new List<(PenaltyTrial Trial, double[] Theta)>();
        double[]? start = null;
        foreach (var lambda in Penalties)
        {
            ct.ThrowIfCancellationRequested();
            var fit = LogisticRegression.Fit(train, lambda, start);
            start = fit.Theta;
            trials.Add((new PenaltyTrial(lambda, validation.LogLoss(fit.Theta), fit.Iterations), fit.Theta));
        }
        var best = trials.MinBy(t => t.Trial.ValidationLoss);
        return (new TaskFit(task, best.Trial.Lambda, trials.Select(t => t.Trial).ToList()), best.Theta);
    }

    private static float[] Probabilities(LogisticDesign design, IReadOnlyList<double> theta) => LogisticRegression.Probabilities(design, theta);
}
