using System.Globalization;
using Batch.Evaluation;
using Batch.Pipeline.Comparisons;

namespace Batch.Host.Cli;

/// <summary>The comparison table: per-task AUC and logloss, the change against single-task, the verdict.</summary>
public static class ComparisonPrinter
{
    public static void Print(string model, DateOnly day, IReadOnlyList<string> judged, double tolerance, IReadOnlyList<ArchitectureResult> results, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(output);
        var c = CultureInfo.InvariantCulture;
        var baseline = results[0];
        var tasks = baseline.Metrics.Select(m => m.Task).ToList();
        output.WriteLine(string.Create(c, $"{model}, held-out day {day:yyyy-MM-dd}; verdicts on {string.Join(", ", judged)} AUC against single-task (tolerance {tolerance:F4})"));
        output.WriteLine($"{"architecture",-14} {"params",8}  " + string.Join("  ", tasks.Select(t => $"{t + " AUC (Δ)",-18} {t + " logloss",-13}")) + "  verdict            train s");
        foreach (var r in results)
        {
            var cells = tasks.Select(t =>
            {
                var m = r.Metrics.Single(x => x.Task == t);
                var delta = m.Auc - baseline.Metrics.Single(x => x.Task == t).Auc;
                return string.Create(c, $"{m.Auc:F4} ({delta:+0.0000;-0.0000; 0.0000})  {m.LogLoss,-13:F5}");
            });
            var verdict = r.Verdict is { } v ? TransferVerdicts.Describe(v) : "(baseline)";
            output.WriteLine(string.Create(c, $"{r.Architecture,-14} {r.Parameters,8}  {string.Join("  ", cells)}  {verdict,-18} {r.TrainSeconds,7:F1}"));
        }
        foreach (var r in results.Where(r => r.Diagnostics.OpenRouteFraction is not null))
            output.WriteLine(string.Create(c, $"{r.Architecture}: {r.Diagnostics.OpenRouteFraction:P0} of routes open"));
    }
}
