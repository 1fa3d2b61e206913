using System.Globalization;
using Batch.Core.Options;
using Batch.Core.Results;
using Batch.Evaluation.Statistics;

namespace Batch.Evaluation;

/// <summary>
/// One output's predicted probabilities on the held-out day, row by row, with the labels; for a regression the
/// predicted values, with the true values in <see cref="Values"/> (and <c>Labels</c> whether each is above 0).
/// </summary>
public sealed record TaskScores(string Task, float[] Probabilities, bool[] Labels)
{
    /// <summary>A regression's true values, row by row; null for a probability.</summary>
    public float[]? Values { get; init; }

    public int Positives => Labels.Count(l => l);

    /// <summary>A regression's scores: its predictions against the values.</summary>
    public static TaskScores Regression(string task, float[] predictions, float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new TaskScores(task, predictions, [.. values.Select(v => v > 0)]) { Values = values };
    }
}

/// <summary>
/// Decides whether a candidate may replace the production model, from both models' scores on the same held-out
/// rows. Per judged task and measure the candidate is rejected only when it is worse by more than the practical
/// margin and that is significant at the one-sided level α: a drop the day's sampling noise explains is not a
/// regression, and a significant but negligible one is not worth keeping a stale model for.
/// </summary>
public static class GatePolicy
{
    public const string FirstModelApproved = "first-model";
    public const string Approved = "no-regression";
    public const string Rejected = "rejected";
    public const string NotEnoughEvidence = "not-enough-evidence";

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;
    private static readonly double Z95 = Normal.Quantile(0.975);

    /// <param name="candidate">the candidate's scores per task</param>
    /// <param name="production">production's scores on the same rows, or null when nothing is in production</param>
    /// <param name="judged">the outputs judged (<see cref="ModelProfile.JudgedOutputs"/>); null for <see cref="GateOptions.JudgedTasks"/></param>
    public static GateDecision Decide(GateOptions options, IReadOnlyList<TaskScores> candidate, IReadOnlyList<TaskScores>? production, IReadOnlyList<string>? judged = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(candidate);
        var reasons = new List<string>();
        var judgements = new List<TaskJudgement>();
        var failed = false;
        var thin = false;
        foreach (var task in judged ?? options.JudgedTasks)
        {
            var c = candidate.SingleOrDefault(s => s.Task == task);
            var p = production?.SingleOrDefault(s => s.Task == task);
            if (c is null || (production is not null && p is null))
            {
                failed = true;
                reasons.Add($"{task}: {(c is null ? "the candidate" : "production")} has no scores for this task");
                continue;
            }
            if (p is not null && !c.Labels.AsSpan().SequenceEqual(p.Labels))
                throw new ArgumentException($"{task}: candidate and production were not scored on the same rows; a paired comparison needs them.");
            if (c.Values is not null && c.Positives < options.MinPositives)
            {
                thin = true;
                reasons.Add(string.Create(C, $"{task}: {c.Positives} rows with a value above 0 among {c.Labels.Length} (fewer than Gate:MinPositives {options.MinPositives}): not enough evidence"));
                continue;
            }
            if (c.Values is null && (c.Positives < options.MinPositives || c.Labels.Length - c.Positives < options.MinPositives))
            {
                thin = true;
                reasons.Add(string.Create(C, $"{task}: {c.Positives} positives among {c.Labels.Length} (fewer than Gate:MinPositives {options.MinPositives} of either class): not enough evidence"));
                continue;
            }
            if (c.Values is { } values)
            {
                if (p is not null && (p.Values is null || !values.AsSpan().SequenceEqual(p.Values)))
                    throw new ArgumentException($"{task}: candidate and production were not scored on the same rows; a paired comparison needs them.");
                var judgement = p is null ? null : JudgeSquaredError(task, c, p, options);
                var (ok, rule) = judgement is null ? FirstRegression(task, c) : (judgement.Passed, judgement.Rule);
                if (judgement is not null) judgements.Add(judgement);
                failed |= !ok;
                reasons.Add(rule);
                continue;
            }
            if (p is null)
            {
                var auc = Metrics.Auc(c.Probabilities, c.Labels);
                var ok = auc >= options.FirstModelAucFloor;
                failed |= !ok;
                reasons.Add(string.Create(C, $"{task}: AUC {auc:F4} {(ok ? ">=" : "<")} first-model floor {options.FirstModelAucFloor:F4}"));
                continue;
            }
            foreach (var judgement in new[] { JudgeAuc(task, c, p, options), JudgeLogLoss(task, c, p, options) })
            {
                judgements.Add(judgement);
                reasons.Add(judgement.Rule);
                failed |= !judgement.Passed;
            }
        }

        var transfer = production is null ? null : Transfer(judgements);
        if (failed) return new GateDecision(false, Rejected, reasons) { Judgements = judgements, Transfer = transfer };
        if (thin)
        {
            var approve = options.OnInsufficientEvidence == GateOptions.ApproveAnyway;
            reasons.Add(approve ? "not enough evidence: approved, as Gate:OnInsufficientEvidence says" : "not enough evidence: production is kept, as Gate:OnInsufficientEvidence says");
            return new GateDecision(approve, NotEnoughEvidence, reasons) { Judgements = judgements, Transfer = transfer };
        }
        return new GateDecision(true, production is null ? FirstModelApproved : Approved, reasons) { Judgements = judgements, Transfer = transfer };
    }

    /// <summary>AUC, paired by DeLong: rejected when the drop exceeds <c>MaxAucDrop</c> significantly.</summary>
    public static TaskJudgement JudgeAuc(string task, TaskScores candidate, TaskScores production, GateOptions options)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(production);
        ArgumentNullException.ThrowIfNull(options);
        var paired = DeLong.Compare(candidate.Probabilities, production.Probabilities, candidate.Labels);
        var se = paired.StandardError;
        var change = paired.Difference;
        var test = new Test(-change, options.MaxAucDrop, se, options.Alpha); // worse = a drop
        var rule = string.Create(C,
            $"{task}: AUC {paired.A:F4} vs production {paired.B:F4}, change {SignedNumber.Format(change, "F4")} (95 % CI {SignedNumber.Format(change - Z95 * se, "F4")} … {SignedNumber.Format(change + Z95 * se, "F4")}); {test.Why("drop", options.MaxAucDrop.ToString("F4", C))}");
        return new TaskJudgement(task, "auc", paired.A, paired.B, change, change - Z95 * se, change + Z95 * se, test.PWorse, test.PBetter, test.PBeyondMargin,
            test.Movement, rule, test.Passed, candidate.Positives);
    }

    /// <summary>Logloss, as the mean of per-row differences: rejected when the relative rise exceeds <c>MaxLogLossIncrease</c> significantly.</summary>
    public static TaskJudgement JudgeLogLoss(string task, TaskScores candidate, TaskScores production, GateOptions options)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(production);
        ArgumentNullException.ThrowIfNull(options);
        var paired = PairedLogLoss.Compare(candidate.Probabilities, production.Probabilities, candidate.Labels);
        return JudgeRise(task, "logloss", paired.A, paired.B, paired.StandardError, options.MaxLogLossIncrease, options.Alpha, candidate.Positives,
            string.Create(C, $"logloss {paired.A:F5} vs production {paired.B:F5}, change"));
    }

    /// <summary>
    /// A regression's mean squared error, as the mean of per-row differences of squared errors: rejected when the
    /// relative rise exceeds <c>MaxSquaredErrorIncrease</c> significantly.
    /// </summary>
    public static TaskJudgement JudgeSquaredError(string task, TaskScores candidate, TaskScores production, GateOptions options)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(production);
        ArgumentNullException.ThrowIfNull(options);
        var values = candidate.Values ?? throw new ArgumentException($"{task} is not a regression's scores.", nameof(candidate));
        var paired = PairedSquaredError.Compare(candidate.Probabilities, production.Probabilities, values);
        return JudgeRise(task, "mse", paired.A, paired.B, paired.StandardError, options.MaxSquaredErrorIncrease, options.Alpha, candidate.Positives,
            string.Create(C, $"RMSE {Math.Sqrt(paired.A):G5} vs production {Math.Sqrt(paired.B):G5}, squared error change"));
    }

    /// <summary>
    /// A mean loss compared by the paired mean of per-row differences (<paramref name="a"/> − <paramref name="b"/>, its
    /// standard error <paramref name="standardError"/>), as a change relative to production's: rejected when the rise
    /// exceeds <paramref name="margin"/> significantly.
    /// </summary>
    private static TaskJudgement JudgeRise(string task, string measure, double a, double b, double standardError, double margin, double alpha, int positives, string what)
    {
        var se = standardError / b; // of the relative change
        var rise = (a - b) / b;
        var test = new Test(rise, margin, se, alpha); // worse = a rise
        var rule = string.Create(C,
            $"{task}: {what} {SignedNumber.Format(100 * rise, "F2")} % (95 % CI {SignedNumber.Format(100 * (rise - Z95 * se), "F2")} % … {SignedNumber.Format(100 * (rise + Z95 * se), "F2")} %); {test.Why("rise", $"{100 * margin:F2} %")}");
        return new TaskJudgement(task, measure, a, b, rise, rise - Z95 * se, rise + Z95 * se, test.PWorse, test.PBetter, test.PBeyondMargin,
            test.Movement, rule, test.Passed, positives);
    }

    /// <summary>
    /// A first model's regression: on the scale it is trained on (log1p of the value), its RMSE must not exceed the day's
    /// standard deviation there — the RMSE of predicting the day's mean log1p. (On the value scale a model of log1p
    /// predicts a typical value, not the mean, and a few large values would decide.)
    /// </summary>
    private static (bool Passed, string Rule) FirstRegression(string task, TaskScores candidate)
    {
        float[] Log(float[] v) => [.. v.Select(x => (float)TaskOptions.TrainedScale(Math.Max(0, x)))];
        var (predicted, values) = (Log(candidate.Probabilities), Log(candidate.Values!));
        var rmse = Metrics.Rmse(predicted, values);
        var spread = Metrics.StandardDeviation(values);
        var ok = rmse <= spread;
        return (ok, string.Create(C, $"{task}: RMSE of log1p {rmse:G5} {(ok ? "<=" : ">")} the day's standard deviation of log1p {spread:G5} (predicting the mean)"));
    }

    /// <summary>
    /// The one-sided tests on how much worse the candidate is (<paramref name="worse"/> &gt; 0 is worse) with its
    /// standard error: beyond the margin (decides), and away from zero either way (the movement).
    /// </summary>
    private readonly record struct Test(double Worse, double Margin, double Se, double Alpha)
    {
        public double PBeyondMargin => Se > 0 ? Normal.UpperTail((Worse - Margin) / Se) : Worse > Margin ? 0 : 1;
        public double PWorse => Se > 0 ? Normal.UpperTail(Worse / Se) : Worse > 0 ? 0 : 1;
        public double PBetter => Se > 0 ? Normal.Cdf(Worse / Se) : Worse < 0 ? 0 : 1;
        public bool Passed => PBeyondMargin >= Alpha;
        public string Movement => PBetter < Alpha ? "up" : PWorse < Alpha ? "down" : "flat";

        public string Why(string what, string margin) => (Worse > Margin, Passed) switch
        {
            (_, false) => string.Create(C, $"{what} beyond the {margin} margin, significantly (p {PBeyondMargin:F3} < {Alpha}): REGRESSION"),
            (true, true) => string.Create(C, $"{what} beyond the {margin} margin, but not significantly (p {PBeyondMargin:F3} >= {Alpha}): within the day's noise"),
            _ when Movement == "down" => string.Create(C, $"a significant {what} (p {PWorse:F3}), within the {margin} margin"),
            _ => $"within the {margin} margin",
        };
    }

    /// <summary>
    /// The survey's verdict against production, from the judged outputs' movements — a probability's AUC, a regression's
    /// squared error (a combination it does not name, task by task).
    /// </summary>
    private static string? Transfer(IReadOnlyList<TaskJudgement> judgements)
    {
        var auc = judgements.Where(j => j.Measure is "auc" or "mse").ToList();
        if (auc.Count == 0) return null;
        return TransferVerdicts.Describe(auc.Select(j => (j.Task, j.Movement switch { "up" => TaskMove.Better, "down" => TaskMove.Worse, _ => TaskMove.Level })).ToList());
    }

    /// <summary>
    /// The decision in one line, as the CLI, the Models page and the report head it: approved or rejected, the verdict, and
    /// for an approval that accepts a significant drop within the margin, that drop — an approval is not a claim that
    /// nothing got worse.
    /// </summary>
    public static string Headline(GateDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var head = $"{(decision.Approved ? "APPROVED" : "REJECTED")} ({decision.Verdict})";
        var drops = AcceptedDrops(decision);
        return drops.Count == 0 ? head : $"{head}, accepting a significant drop within the margin: {string.Join("; ", drops)}";
    }

    /// <summary>Per judged task and measure of an approved decision: each significant worsening that stayed within its margin.</summary>
    public static IReadOnlyList<string> AcceptedDrops(GateDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (!decision.Approved) return [];
        return decision.Judgements.Where(j => j.Passed && j.Movement == "down")
            .Select(j => j.Measure == "auc"
                ? string.Create(C, $"{j.Task} AUC {SignedNumber.Format(j.Change, "F4")} (p {j.PWorse:F3})")
                : string.Create(C, $"{j.Task} {j.Measure} {SignedNumber.Format(100 * j.Change, "F2")} % (p {j.PWorse:F3})"))
            .ToList();
    }
}
