using Batch.Core.Options;
using Batch.Core.Results;

namespace Batch.Evaluation;

/// <summary>Decides whether a candidate may replace the production model.</summary>
public static class GatePolicy
{
    public const string FirstModelApproved = "first-model";
    public const string Approved = "no-regression";
    public const string Rejected = "rejected";

    /// <param name="production">Production's metrics on the same day, or null when nothing is in production.</param>
    public static GateDecision Decide(
        GateOptions options, IReadOnlyList<TaskMetrics> candidate, IReadOnlyList<TaskMetrics>? production)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(candidate);
        var reasons = new List<string>();
        var failed = false;
        var judged = new List<TaskMetrics>();
        foreach (var task in options.JudgedTasks)
        {
            var metric = candidate.SingleOrDefault(m => m.Task == task);
            if (metric is null) { failed = true; reasons.Add($"{task}: the candidate has no metric for this task"); }
            else judged.Add(metric);
        }
        if (production is null)
        {
            foreach (var c in judged)
            {
                var ok = c.Auc >= options.FirstModelAucFloor;
                failed |= !ok;
                reasons.Add(FormattableString.Invariant(
                    $"{c.Task}: AUC {c.Auc:F4} {(ok ? ">=" : "<")} first-model floor {options.FirstModelAucFloor:F4}"));
            }
            return new GateDecision(!failed, failed ? Rejected : FirstModelApproved, reasons);
        }

        foreach (var c in judged)
        {
            var p = production.SingleOrDefault(m => m.Task == c.Task);
            if (p is null)
            {
                failed = true;
                reasons.Add($"{c.Task}: production has no metric for this task");
                continue;
            }
            var aucDrop = p.Auc - c.Auc;
            var aucOk = aucDrop <= options.MaxAucDrop;
            reasons.Add(FormattableString.Invariant(
                $"{c.Task}: AUC {c.Auc:F4} vs production {p.Auc:F4} (drop {aucDrop:F4}, tolerated {options.MaxAucDrop:F4}){(aucOk ? "" : " REGRESSION")}"));
            var rise = (c.LogLoss - p.LogLoss) / p.LogLoss;
            var lossOk = rise <= options.MaxLogLossIncrease;
            reasons.Add(FormattableString.Invariant(
                $"{c.Task}: logloss {c.LogLoss:F5} vs production {p.LogLoss:F5} (rise {rise:P2}, tolerated {options.MaxLogLossIncrease:P2}){(lossOk ? "" : " REGRESSION")}"));
            failed |= !aucOk || !lossOk;
        }
        return new GateDecision(!failed, failed ? Rejected : Approved, reasons);
    }
}
