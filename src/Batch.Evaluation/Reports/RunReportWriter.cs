using System.Globalization;
using System.Text;
using Batch.Core.Results;
using static System.Net.WebUtility;

namespace Batch.Evaluation.Reports;

/// <summary>
/// The report of a run: <c>index.html</c> with the metrics, every gate rule with its interval and outcome, and
/// the plots beside it as PNG files — training loss, task weights and gradient agreement, the expert-gate heat
/// map, and ROC and calibration curves of candidate and production per task.
/// </summary>
public static class RunReportWriter
{
    public const string IndexFile = "index.html";
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>
    /// The CSP source of the report's one inline style block (<c>'sha256-…'</c>): a page that serves reports under a policy
    /// that allows no inline style allows this one.
    /// </summary>
    public static string StyleSource { get; } = $"'sha256-{Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(Style)))}'";

    private const string Style =
        "body{font-family:sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse;margin:1em 0}" +
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th:first-child,td:first-child{text-align:left}" +
        ".pass{color:#1a7f37}.fail{color:#cf222e;font-weight:bold}img{margin:4px;border:1px solid #eee}";

    public static IReadOnlyList<ReportFile> Write(ReportInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var files = new List<ReportFile>();
        void Png(string name, byte[] content) => files.Add(new ReportFile(name, content, "image/png"));

        if (input.History.Count > 0)
        {
            Png("loss.png", ReportPlots.Losses(input.History));
            Png("balancing.png", ReportPlots.Balancing(input.History));
        }
        if (input.Diagnostics.MeanGateWeights.Count > 0) Png("gates.png", ReportPlots.GateHeatMap(input.Diagnostics.MeanGateWeights));
        foreach (var scores in input.Scores.Where(s => s.Positives > 0 && s.Positives < s.Labels.Length))
        {
            var production = input.ProductionScores?.SingleOrDefault(p => p.Task == scores.Task);
            Png($"roc-{scores.Task}.png", ReportPlots.Roc(scores.Task, Curves.Roc(scores.Probabilities, scores.Labels),
                production is null ? null : Curves.Roc(production.Probabilities, production.Labels)));
            var bins = Math.Min(10, scores.Labels.Length);
            Png($"calibration-{scores.Task}.png", ReportPlots.Calibration(scores.Task, Curves.Calibration(scores.Probabilities, scores.Labels, bins),
                production is null ? null : Curves.Calibration(production.Probabilities, production.Labels, bins)));
        }
        files.Insert(0, new ReportFile(IndexFile, Encoding.UTF8.GetBytes(Html(input, files.Select(f => f.Name).ToList())), "text/html; charset=utf-8"));
        return files;
    }

    private static string Html(ReportInput input, IReadOnlyList<string> images)
    {
        var gate = input.Gate;
        var html = new StringBuilder();
        html.Append(C, $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{HtmlEncode(input.Model)} {HtmlEncode(input.Version)}</title>
            <style>{Style}</style></head><body>
            <h1>{HtmlEncode(input.Model)} — version {HtmlEncode(input.Version)}</h1>
            <p>Held-out day {input.Day:yyyy-MM-dd}; against production {HtmlEncode(input.ProductionVersion ?? "none (first model)")}.</p>
            <p id="decision" class="{(gate.Approved ? "pass" : "fail")}">Gate: {HtmlEncode(GatePolicy.Headline(gate))}{(gate.Transfer is null ? "" : $"; against production: {HtmlEncode(gate.Transfer)}")}</p>
            <h2>Metrics on the held-out day</h2>
            <table id="metrics"><tr><th>task</th><th>positives / rows</th><th>AUC</th><th>production AUC</th><th>logloss</th><th>production logloss</th></tr>
            """);
        foreach (var m in input.Metrics)
        {
            var p = input.ProductionMetrics?.SingleOrDefault(x => x.Task == m.Task);
            html.Append(C, $"<tr><td>{HtmlEncode(m.Task)}</td><td>{m.Positives} / {m.Count}</td><td>{m.Primary()}</td><td>{(p is null ? "–" : p.Primary())}</td><td>{m.Secondary()}</td><td>{(p is null ? "–" : p.Secondary())}</td></tr>\n");
        }
        html.Append("</table>\n<h2>Gate rules</h2>\n");
        if (gate.Judgements.Count > 0)
        {
            html.Append("<table id=\"judgements\"><tr><th>task</th><th>measure</th><th>candidate</th><th>production</th><th>change</th><th>95 % interval</th><th>p (worse beyond margin)</th><th>movement</th><th>outcome</th></tr>\n");
            foreach (var j in gate.Judgements)
            {
                var (scale, unit) = j.Measure == "auc" ? (1.0, "") : (100.0, " %");
                html.Append(C, $"<tr><td>{HtmlEncode(j.Task)}</td><td>{j.Measure}</td><td>{j.Candidate:F5}</td><td>{j.Production:F5}</td><td>{SignedNumber.Format(scale * j.Change, "F4")}{unit}</td><td>{SignedNumber.Format(scale * j.Low, "F4")}{unit} … {SignedNumber.Format(scale * j.High, "F4")}{unit}</td><td>{j.PBeyondMargin:F3}</td><td>{j.Movement}</td><td class=\"{(j.Passed ? "pass" : "fail")}\">{(j.Passed ? "pass" : "REJECT")}</td></tr>\n");
            }
            html.Append("</table>\n");
        }
        html.Append("<ul id=\"reasons\">\n");
        foreach (var reason in gate.Reasons) html.Append(C, $"<li>{HtmlEncode(reason)}</li>\n");
        html.Append("</ul>\n");
        if (input.Diagnostics.OpenRouteFraction is { } open) html.Append(C, $"<p>SNR routes open: {open:P0}</p>\n");
        if (input.Diagnostics.MeanGateWeights.Count > 0)
        {
            html.Append("<h2>Expert gates</h2><table id=\"gates\"><tr><th>gate</th><th>mean weight per expert</th></tr>\n");
            foreach (var (name, weights) in input.Diagnostics.MeanGateWeights.OrderBy(g => g.Key, StringComparer.Ordinal))
                html.Append(C, $"<tr><td>{HtmlEncode(name)}</td><td>{string.Join(" ", weights.Select(w => w.ToString("F3", C)))}</td></tr>\n");
            html.Append("</table>\n");
        }
        html.Append("<h2>Plots</h2>\n");
        foreach (var image in images) html.Append(C, $"<img src=\"{HtmlEncode(image)}\" alt=\"{HtmlEncode(Path.GetFileNameWithoutExtension(image))}\">\n");
        html.Append("</body></html>\n");
        return html.ToString();
    }
}
