using System.Globalization;
using Batch.Evaluation;
using Batch.Pipeline.Comparisons;

namespace Batch.Host.Cli;

/// <summary>The comparison table: per-task AUC and logloss, the change against single-task, the verdict.</summary>
public static class ComparisonPrinter
{
    public static void Print(string model, DateOnly day, IReadOnlyList<string> judged, double tolerance, IReadOnlyList<VariantResult> results, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(output);
        var c = CultureInfo.InvariantCulture;
        var baseline = results[0];
        var tasks = baseline.Metrics.Select(m => m.Task).ToList();
        output.WriteLine(string.Create(c, $"{model}, held-out day {day:yyyy-MM-dd}; verdicts on {string.Join(", ", judged)} AUC against single-task (tolerance {tolerance:F4})"));
        var width = Math.Max(14, results.Max(r => r.Label.Length));
        output.WriteLine($"{"variant".PadRight(width)} {"params",8}  " + string.Join("  ", tasks.Select(t => $"{t + " AUC (Δ)",-18} {t + " logloss",-13}")) + "  verdict            train s");
        foreach (var r in results)
        {
            var cells = tasks.Select(t =>
            {
                var m = r.Metrics.Single(x => x.Task == t);
                var delta = m.Auc - baseline.Metrics.Single(x => x.Task == t).Auc;
                return string.Create(c, $"{m.Auc:F4} ({delta:+0.0000;-0.0000; 0.0000})  {m.LogLoss,-13:F5}");
            });
            var verdict = r.Verdict is { } v ? TransferVerdicts.Describe(v) : "(baseline)";
            output.WriteLine(string.Create(c, $"{r.Label.PadRight(width)} {r.Parameters,8}  {string.Join("  ", cells)}  {verdict,-18} {r.TrainSeconds,7:F1}"));
        }
        foreach (var r in results.Where(r => r.Diagnostics.OpenRouteFraction is not null))
            output.WriteLine(string.Create(c, $"{r.Label}: {r.Diagnostics.OpenRouteFraction:P0} of routes open"));
    }

    /// <summary>Per variant and epoch: the mean task weights, gradient cosine on the shared parameters and conflict rate.</summary>
    public static void PrintBalancing(IReadOnlyList<VariantResult> results, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(output);
        var c = CultureInfo.InvariantCulture;
        output.WriteLine("task weights (ctr, ctcvr), gradient cosine on the shared parameters and share of conflicting steps, per epoch:");
        foreach (var r in results.Skip(1))
        {
            var epochs = r.History.Select(e => string.Create(c,
                $"[{string.Join(", ", e.Weights.Select(w => w.ToString("F3", c)))}] cos {(e.GradientCosine is { } cos ? cos.ToString("+0.000;-0.000", c) : "-")} conflict {(e.ConflictRate is { } rate ? rate.ToString("P0", c) : "-")}"));
            output.WriteLine($"  {r.Label}: {string.Join(" | ", epochs)}");
        }
    }
}
