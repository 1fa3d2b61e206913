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
            var width = Math.Max(6, report.Metrics.Max(m => m.Task.Length));
            var wide = report.Metrics.Any(m => m.IsRegression) ? 12 : 7;
            output.WriteLine($"   {"task".PadRight(width)}  {"AUC".PadRight(wide)}  {"logloss".PadRight(wide + 1)}  positives/count   | production AUC   logloss");
            foreach (var m in report.Metrics)
            {
                var p = report.ProductionMetrics?.SingleOrDefault(x => x.Task == m.Task);
                output.WriteLine(string.Create(c,
                    $"   {m.Task.PadRight(width)}  {m.Primary().PadLeft(wide)}  {m.Secondary().PadLeft(wide + 1)}  {m.Positives,7}/{m.Count,-8}  | {(p is null ? "-" : p.Primary()),14}  {(p is null ? "-" : p.Secondary()),8}"));
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
