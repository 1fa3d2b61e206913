using System.Globalization;
using Batch.Evaluation;
using Batch.Pipeline.Ledger;

namespace Batch.Host.Cli;

/// <summary>Writes what the ledger knows of a run for people.</summary>
public static class ReportPrinter
{
    public static void Print(RunReport report, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        var run = report.Run;
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"== {run.Model} {run.DataDay:yyyy-MM-dd}  run {run.Id}, attempt {run.Attempt}: {run.Status.Text()}"));
        if (report.Metrics.Count > 0)
        {
            output.WriteLine("   task    AUC      logloss   positives/count   | production AUC   logloss");
            foreach (var m in report.Metrics)
            {
                var p = report.ProductionMetrics?.SingleOrDefault(x => x.Task == m.Task);
                output.WriteLine(string.Create(c,
                    $"   {m.Task,-6}  {m.Auc,7:F4}  {m.LogLoss,8:F5}  {m.Positives,7}/{m.Count,-8}  | {(p is null ? "       -" : p.Auc.ToString("F4", c)),14}  {(p is null ? "-" : p.LogLoss.ToString("F5", c)),8}"));
            }
        }
        if (report.Diagnostics is { } diagnostics)
        {
            if (diagnostics.MeanGateWeights.Count > 0) output.WriteLine("   mean gate weight per expert on the held-out day:");
            foreach (var (gateName, weights) in diagnostics.MeanGateWeights)
                output.WriteLine(string.Create(c, $"     {gateName,-16} {string.Join(" ", weights.Select(w => w.ToString("F3", c)))}"));
            if (diagnostics.OpenRouteFraction is { } open) output.WriteLine(string.Create(c, $"   open routes: {open:P0}"));
        }
        if (report.Gate is { } gate)
        {
            output.WriteLine($"   gate: {GatePolicy.Headline(gate)} against {report.ProductionVersion ?? "no production model"}"
                + (gate.Transfer is null ? "" : $"; against production: {gate.Transfer}"));
            foreach (var reason in gate.Reasons) output.WriteLine($"     - {reason}");
        }
        if (report.Version is not null)
            output.WriteLine($"   version: {report.Version} ({report.VersionStatus?.Text()}) at {report.BlobPrefix}");
        if (report.Promotion is { } move)
            output.WriteLine($"   production: {move.Status.Text()} ({move.ExpectedPrevious ?? "nothing"} -> {move.Version}): {move.Outcome ?? "not settled yet"}");
        if (run.AllowImmatureLabels) output.WriteLine("   labels: allowed to train before the day's conversion window closed (--allow-immature-labels)");
        if (run.Note is not null) output.WriteLine($"   note: {run.Note}");
        if (run.Error is not null && run.Status != RunStatus.Rejected) output.WriteLine($"   error: {run.Error}");
    }
}
