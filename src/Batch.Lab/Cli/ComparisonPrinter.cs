using System.Globalization;
using Batch.Evaluation;
using Batch.Lab.Comparisons;

namespace Batch.Lab.Cli;

/// <summary>The comparison table: per-task AUC and logloss, the change against single-task, the verdict.</summary>
public static class ComparisonPrinter
{
    /// <summary>The row of the truth without its latent user × item terms.</summary>
    public const string WithoutLatentLabel = "oracle − u×i";

    public static void Print(string model, DateOnly day, IReadOnlyList<string> judged, double tolerance, ComparisonResult result, TextWriter output, bool summary = false)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(judged);
        ArgumentNullException.ThrowIfNull(output);
        var c = CultureInfo.InvariantCulture;
        var results = result.Rows;
        var baseline = results[0];
        var tasks = baseline.Metrics.Select(m => m.Task).ToList();
        var seeds = result.Seeds > 1 ? $", mean ± sd of {result.Seeds} seeds" : "";
        output.WriteLine(string.Create(c, $"{model}, held-out day {day:yyyy-MM-dd}{seeds}; verdicts on {string.Join(", ", judged)} AUC against single-task (tolerance {tolerance:F4}){(result.Oracle is null ? "" : "; ÷ oracle: share of the true probabilities' AUC")}"));
        var width = Math.Max(14, results.Max(r => r.Label.Length));
        var aucWidth = result.Seeds > 1 ? 26 : 18;
        var ratio = result.Oracle is null ? "" : " ÷ oracle";
        output.WriteLine($"{"variant".PadRight(width)} {"params",8}  " + string.Join("  ", tasks.Select(t => $"{(t + " AUC (Δ)" + ratio).PadRight(aucWidth + (ratio.Length > 0 ? 8 : 0))} {t + " logloss",-13}")) + "  verdict            train s");
        foreach (var r in results)
        {
            var cells = tasks.Select(t =>
            {
                var m = r.Metrics.Single(x => x.Task == t);
                if (m.IsRegression) return $"{m.Primary().PadRight(aucWidth + (ratio.Length > 0 ? 8 : 0))} {m.Secondary(),-13}";
                var delta = m.Auc - baseline.Metrics.Single(x => x.Task == t).Auc;
                var spread = result.Seeds > 1 ? string.Create(c, $" ± {r.AucSd(t):F4}") : "";
                var share = result.Oracle is null ? "" : string.Create(c, $" {m.Auc / result.Oracle.Single(o => o.Task == t).Auc,6:P1}");
                return string.Create(c, $"{m.Auc:F4}{spread} ({SignedNumber.Format(delta, "F4")}){share}  {m.LogLoss,-13:F5}");
            });
            var verdict = r.Verdict is { } v ? TransferVerdicts.Describe(v) : "(baseline)";
            output.WriteLine(string.Create(c, $"{r.Label.PadRight(width)} {r.Parameters,8}  {string.Join("  ", cells)}  {verdict,-18} {r.TrainSeconds,7:F1}"));
        }
        void Truth(string label, IReadOnlyList<Batch.Core.Results.TaskMetrics> metrics, string what) =>
            output.WriteLine(string.Create(c, $"{label.PadRight(width)} {"",8}  {string.Join("  ", tasks.Select(t => $"{metrics.Single(o => o.Task == t).Auc:F4}".PadRight(aucWidth + (ratio.Length > 0 ? 8 : 0)) + $" {metrics.Single(o => o.Task == t).LogLoss,-13:F5}"))}  {what}"));
        if (result.Oracle is { } oracle) Truth("oracle", oracle, "(the true probabilities)");
        if (result.OracleWithoutLatent is { } withoutLatent) Truth(WithoutLatentLabel, withoutLatent, "(the same without the latent user × item terms)");
        foreach (var r in results.Where(r => r.Tuning is not null))
            output.WriteLine($"{r.Label}: {r.Tuning!.Describe()}");
        foreach (var r in results.Where(r => r.Diagnostics.OpenRouteFraction is not null))
            output.WriteLine(string.Create(c, $"{r.Label}: {r.Diagnostics.OpenRouteFraction:P0} of routes open"));
        if (summary) output.WriteLine(Summary(result));
    }

    /// <summary>
    /// One line: <c>quality {architecture} ctr=… ctcvr=… logistic ctr=… ctcvr=… single-task ctr=… ctcvr=… [oracle ctr=… ctcvr=…]</c>,
    /// AUC means over the seeds.
    /// </summary>
    public static string Summary(ComparisonResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var c = CultureInfo.InvariantCulture;
        static string Of(IReadOnlyList<Batch.Core.Results.TaskMetrics> m, string task) =>
            m.Single(x => x.Task == task).Auc.ToString("F4", CultureInfo.InvariantCulture);
        string Pair(string name, IReadOnlyList<Batch.Core.Results.TaskMetrics> m) => $"{name} ctr={Of(m, "ctr")} ctcvr={Of(m, "ctcvr")}";
        if (result.Summarised.Count > 0) return TaskSummary(result);
        var parts = new List<string>
        {
            Pair(result.Architecture, result.Headline.Metrics),
            Pair(ModelComparison.LogisticLabel, result.Rows.Single(r => r.Label == ModelComparison.LogisticLabel).Metrics),
            Pair(ModelComparison.BaselineLabel, result.Rows.Single(r => r.Label == ModelComparison.BaselineLabel).Metrics),
        };
        if (result.Oracle is { } oracle) parts.Add(Pair("oracle", oracle));
        return string.Create(c, $"quality {string.Join(' ', parts)}");
    }

    /// <summary>
    /// The line for a declared task set: <c>quality {row} {task}=… … single-task {task}=… …</c> — every trained candidate
    /// row, then the single-task yardstick, each with the AUC of every binary main task's entire-space output.
    /// </summary>
    private static string TaskSummary(ComparisonResult result)
    {
        string Row(string label, IReadOnlyList<Batch.Core.Results.TaskMetrics> m) =>
            $"{label} " + string.Join(' ', result.Summarised.Select(s => $"{s.Key}={m.Single(x => x.Task == s.Output).Auc.ToString("F4", CultureInfo.InvariantCulture)}"));
        var rows = result.Rows.Where(r => !r.Yardstick).Select(r => Row(r.Label, r.Metrics))
            .Append(Row(ModelComparison.BaselineLabel, result.Rows.Single(r => r.Label == ModelComparison.BaselineLabel).Metrics));
        return $"quality {string.Join(' ', rows)}";
    }

    /// <summary>
    /// Per row, its first seed's epochs: the training loss (ctr, ctcvr) and, with validation days, the validation
    /// loss; the kept epoch is marked (<c>--history</c>).
    /// </summary>
    public static void PrintHistory(ComparisonResult result, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(result);
        var c = CultureInfo.InvariantCulture;
        var names = TaskNames(result, "/");
        PrintPerEpoch(result.Rows, $"loss per epoch (first seed), training {names} → validation {names}, * the kept epoch:", e => string.Create(c,
            $"{e.Epoch}: {Losses(e.Losses)}{(e.ValidationLosses is { } v ? $" → {Losses(v)}" : "")}{(e.Kept ? "*" : "")}"), output);
    }

    /// <summary>Per variant and epoch: the mean task weights, gradient cosine on the shared dense parameters and conflict rate.</summary>
    public static void PrintBalancing(ComparisonResult result, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(result);
        var c = CultureInfo.InvariantCulture;
        PrintPerEpoch(result.Rows.Where(r => !r.Yardstick), $"task weights ({TaskNames(result, ", ")}), gradient cosine on the shared dense parameters and share of conflicting steps, per epoch:", e => string.Create(c,
            $"[{string.Join(", ", e.Weights.Select(w => w.ToString("F3", c)))}] cos {(e.GradientCosine is { } cos ? cos.ToString("+0.000;-0.000", c) : "-")} conflict {(e.ConflictRate is { } rate ? rate.ToString("P0", c) : "-")}"), output);
        // With more than two tasks, each pair's cosine and conflict rate (the mean above hides a pair that fights).
        if (result.Rows.SelectMany(r => r.History).Any(e => e.PairCosines is { Count: > 1 }))
            PrintPerEpoch(result.Rows.Where(r => !r.Yardstick), "gradient cosine and share of conflicting steps per pair of tasks, per epoch:", PairsOf, output);
    }

    /// <summary>An epoch's pairs: <c>ctr~cart +0.120 (30 %)</c>, or <c>-</c> where not measured.</summary>
    private static string PairsOf(Batch.Modeling.Training.EpochLoss epoch)
    {
        if (epoch.PairCosines is not { } pairs || epoch.PairConflictRates is not { } conflicts) return "-";
        var c = CultureInfo.InvariantCulture;
        return string.Join(", ", pairs.Select(p => $"{p.Key} {p.Value.ToString("+0.000;-0.000", c)} ({conflicts[p.Key].ToString("P0", c)})"));
    }

    /// <summary>The names the first trained row's losses are kept under (its tasks'), joined by <paramref name="separator"/>.</summary>
    private static string TaskNames(ComparisonResult result, string separator) =>
        result.Rows.SelectMany(r => r.History.Take(1)).Select(e => string.Join(separator, e.Losses.Keys)).FirstOrDefault() ?? "";

    /// <summary>An epoch's losses, in task order, to four decimals, joined by <paramref name="separator"/>.</summary>
    internal static string Losses(IReadOnlyDictionary<string, double> losses, string separator = "/") =>
        string.Join(separator, losses.Values.Select(l => l.ToString("F4", CultureInfo.InvariantCulture)));

    /// <summary>A header, then a line per row: its label and each epoch of its history, formatted, joined by " | ".</summary>
    private static void PrintPerEpoch(IEnumerable<VariantResult> rows, string header, Func<Batch.Modeling.Training.EpochLoss, string> epoch, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(header);
        foreach (var r in rows) output.WriteLine($"  {r.Label}: {string.Join(" | ", r.History.Select(epoch))}");
    }
}
