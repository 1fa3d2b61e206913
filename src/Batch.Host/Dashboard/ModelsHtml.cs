using System.Globalization;
using System.Text;
using System.Text.Json;
using Batch.Evaluation;
using Batch.Pipeline.Ledger;
using static System.Net.WebUtility;

namespace Batch.Host.Dashboard;

/// <summary>The body of the Models page: per model, production, the recent days with every attempt, and the actions.</summary>
public static class ModelsHtml
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <param name="url">turns a dashboard path (<c>/models/rerun</c>) into the address it is served at</param>
    public static string Render(IReadOnlyList<ModelView> models, Func<string, string> url)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(url);
        var html = new StringBuilder();
        // Style and script are files of their own: the dashboard's content security policy allows no inline ones.
        html.Append(C, $"<link rel=\"stylesheet\" href=\"{HtmlEncode(url(ModelsAssets.StyleRoute))}\">\n");
        html.Append("<h1 class=\"page-header\">Models</h1>\n<div id=\"batch-message\" class=\"alert hidden\" role=\"status\"></div>\n");
        if (models.Count == 0) html.Append("<p>No model profile is configured (Batch:Models).</p>\n");
        foreach (var model in models) Model(html, model, url);
        html.Append(C, $"<script src=\"{HtmlEncode(url(ModelsAssets.ScriptRoute))}\"></script>\n");
        return html.ToString();
    }

    private static void Model(StringBuilder html, ModelView model, Func<string, string> url)
    {
        var name = HtmlEncode(model.Name);
        html.Append(C, $"<section class=\"batch-model\" id=\"model-{name}\">\n<h2>{name}</h2>\n<p class=\"batch-production\">");
        if (model.PointerError is not null) html.Append(C, $"<span class=\"text-danger\">Production unknown: {HtmlEncode(model.PointerError)}</span>");
        else if (model.Current is null) html.Append("Nothing in production yet.");
        else
        {
            html.Append(C, $"In production: <b class=\"batch-production-version\">{HtmlEncode(model.Current.Version)}</b> since {model.Current.PromotedAt:yyyy-MM-dd HH:mm} UTC");
            if (model.Recorded is { } r) html.Append(C, $" (moved by {HtmlEncode(r.Actor)}, {HtmlEncode(r.Kind.Text())})");
            if (model.Recorded?.Version is { } v && v != model.Current.Version)
                html.Append(C, $" <span class=\"text-danger\">— the ledger says {HtmlEncode(v)}: run <code>batch reconcile --model {name}</code></span>");
        }
        html.Append("</p>\n");

        if (model.Current is { } current)
        {
            var (back, forward) = Targets(model.Approved, current.Version);
            Move(html, name, current.Version, back, "rollback", "Roll production back to", "Roll back", url);
            Move(html, name, current.Version, forward, "forward", "Move production forward to", "Move forward", url);
        }

        if (model.Days.Count == 0) html.Append("<p>No runs yet.</p>\n");
        foreach (var day in model.Days) Day(html, model.Name, model.Current?.Version, day, url);
        html.Append("</section>\n");
    }

    /// <summary>
    /// The approved versions production can move to, split by direction: older than the live one (by data day, then
    /// run), and newer. A version the ledger does not know as approved leaves every other one "back".
    /// </summary>
    private static (IReadOnlyList<VersionRecord> Back, IReadOnlyList<VersionRecord> Forward) Targets(IReadOnlyList<VersionRecord> approved, string live)
    {
        var current = approved.FirstOrDefault(v => v.Version == live);
        var others = approved.Where(v => v.Version != live).ToList();
        if (current is null) return (others, []);
        bool Newer(VersionRecord v) => v.DataDay > current.DataDay || (v.DataDay == current.DataDay && v.RunId > current.RunId);
        return (others.Where(v => !Newer(v)).ToList(), others.Where(Newer).ToList());
    }

    private static void Move(StringBuilder html, string name, string live, IReadOnlyList<VersionRecord> targets, string id, string label, string button, Func<string, string> url)
    {
        if (targets.Count == 0) return;
        html.Append(C, $"<p class=\"form-inline batch-move\">{label} <select class=\"form-control input-sm\" id=\"{id}-{name}\">");
        foreach (var t in targets) html.Append(C, $"<option value=\"{HtmlEncode(t.Version)}\">{HtmlEncode(t.Version)} (day {t.DataDay:yyyy-MM-dd})</option>");
        // {version} is the option chosen when the button is pressed: the question names what production will serve.
        html.Append(C, $"</select> <button class=\"btn btn-sm btn-warning js-batch-action\" data-url=\"{HtmlEncode(url("/models/rollback"))}\" data-model=\"{name}\" data-select=\"{id}-{name}\" data-confirm=\"Point {name}'s production from {HtmlEncode(live)} to {{version}}? Serving loads it at its next read of production.json. This is recorded in the ledger with your name.\">{button}</button></p>\n");
    }

    private static void Day(StringBuilder html, string model, string? live, DayView day, Func<string, string> url)
    {
        var running = day.Attempts.Any(a => a.Run.Status == RunStatus.Running);
        var name = HtmlEncode(model);
        html.Append(C, $"<h3 class=\"batch-day\" id=\"day-{name}-{day.Day:yyyy-MM-dd}\">{day.Day:yyyy-MM-dd} ");
        html.Append(C, $"<button class=\"btn btn-xs btn-default js-batch-action\" data-url=\"{HtmlEncode(url("/models/rerun"))}\" data-model=\"{name}\" data-day=\"{day.Day:yyyy-MM-dd}\" data-confirm=\"Re-run {name} for {day.Day:yyyy-MM-dd}? A new attempt goes to the gpu queue, and the gate judges it against production as it is then.\"{(running ? " disabled title=\"an attempt of this day is running\"" : "")}>Re-run this day</button></h3>\n");
        html.Append("<table class=\"table table-condensed batch-attempts\"><thead><tr><th>attempt</th><th>status</th><th>steps</th><th>candidate vs production</th><th>gate</th><th>version</th></tr></thead><tbody>\n");
        foreach (var attempt in day.Attempts) Attempt(html, model, live, attempt, url);
        html.Append("</tbody></table>\n");
    }

    private static void Attempt(StringBuilder html, string model, string? live, AttemptView a, Func<string, string> url)
    {
        var run = a.Run;
        var label = run.Status switch { RunStatus.Succeeded => "success", RunStatus.Rejected => "warning", RunStatus.Running => "info", _ => "danger" };
        html.Append(C, $"<tr class=\"batch-attempt{(run.Status == RunStatus.Running ? " batch-running" : "")}\" data-run=\"{run.Id}\">");
        html.Append(C, $"<td>{run.Attempt} <small class=\"text-muted\">run {run.Id}, {HtmlEncode(run.Trigger)}, {run.StartedAt:MM-dd HH:mm}</small></td>");
        html.Append(C, $"<td><span class=\"label label-{label} batch-status\">{HtmlEncode(run.Status.Text())}</span>");
        if (run.Status == RunStatus.Running && run.Progress is not null) html.Append(C, $"<div class=\"batch-progress\">{HtmlEncode(Progress(run.Progress))}</div>");
        if (run.Error is not null && run.Status != RunStatus.Rejected) html.Append(C, $"<div class=\"text-danger small batch-error\">{HtmlEncode(run.Error)}</div>");
        if (run.AllowImmatureLabels) html.Append("<div class=\"small text-warning batch-immature\">allowed immature labels</div>");
        if (run.Note is not null) html.Append(C, $"<div class=\"small text-muted\">{HtmlEncode(run.Note)}</div>");
        html.Append("</td><td class=\"small batch-steps\">");
        html.Append(string.Join("<br>", a.Steps.Select(s => $"{HtmlEncode(s.Step)} {Duration(s)}{(s.Status == StepStatus.Failed ? " <span class=\"text-danger\">failed</span>" : s.Status == StepStatus.Running ? " …" : "")}")));
        html.Append("</td><td class=\"small batch-metrics\">");
        Metrics(html, a);
        Drift(html, a);
        html.Append("</td><td class=\"small batch-gate\">");
        if (a.Gate is { } gate)
        {
            html.Append(C, $"<b>{(gate.Approved ? "approved" : "rejected")}</b> ({HtmlEncode(gate.Verdict)}){(gate.Transfer is null ? "" : $"<br>against production: <b class=\"batch-transfer\">{HtmlEncode(gate.Transfer)}</b>")}");
            var drops = GatePolicy.AcceptedDrops(gate);
            if (drops.Count > 0) html.Append(C, $"<div class=\"text-warning batch-accepted-drop\">accepting a significant drop within the margin: {HtmlEncode(string.Join("; ", drops))}</div>");
            html.Append("<details><summary>reasons</summary><ul>");
            foreach (var reason in gate.Reasons) html.Append(C, $"<li>{HtmlEncode(reason)}</li>");
            html.Append("</ul></details>");
        }
        html.Append("</td><td class=\"small\">");
        if (a.Version is { } version)
        {
            html.Append(C, $"{HtmlEncode(version.Version)} ({HtmlEncode(version.Status.Text())})");
            if (version.Version == live) html.Append(" <span class=\"label label-success batch-live\">live</span>");
            html.Append(C, $"<br><a class=\"batch-report\" target=\"_blank\" href=\"{HtmlEncode(url($"/models/report/{Uri.EscapeDataString(model)}/{Uri.EscapeDataString(version.Version)}/index.html"))}\">report</a>");
        }
        if (a.Promotion is { } move) html.Append(C, $"<br>production: <span class=\"batch-promotion\">{HtmlEncode(Moved(move, live))}</span>");
        html.Append("</td></tr>\n");
    }

    /// <summary>
    /// Per judged output: both AUCs (a regression's RMSEs and its squared error's relative change), the change with its
    /// 95 % interval, and the movement; without a gate, the candidate's metrics.
    /// </summary>
    private static void Metrics(StringBuilder html, AttemptView a)
    {
        var judged = a.Gate?.Judgements.Where(j => j.Measure is "auc" or "mse").ToList() ?? [];
        if (judged.Count > 0)
        {
            foreach (var j in judged)
            {
                if (j.Measure == "auc") html.Append(C, $"<div class=\"batch-judgement\" data-task=\"{HtmlEncode(j.Task)}\">{HtmlEncode(j.Task)} AUC {j.Candidate:F4} vs {j.Production:F4}: {SignedNumber.Format(j.Change, "F4")} [{SignedNumber.Format(j.Low, "F4")}, {SignedNumber.Format(j.High, "F4")}] {j.Movement}</div>");
                else html.Append(C, $"<div class=\"batch-judgement\" data-task=\"{HtmlEncode(j.Task)}\">{HtmlEncode(j.Task)} RMSE {Math.Sqrt(j.Candidate):G5} vs {Math.Sqrt(j.Production):G5}: squared error {SignedNumber.Format(100 * j.Change, "F2")} % [{SignedNumber.Format(100 * j.Low, "F2")} %, {SignedNumber.Format(100 * j.High, "F2")} %] {j.Movement}</div>");
            }
            return;
        }
        foreach (var m in a.Metrics)
            html.Append(C, $"<div class=\"batch-metric\" data-task=\"{HtmlEncode(m.Task)}\">{HtmlEncode(m.Task)} {HtmlEncode(m.Summary())}</div>");
    }

    /// <summary>The features whose distribution moved most between the window and the held-out day, by PSI (validate's detail).</summary>
    private static void Drift(StringBuilder html, AttemptView a)
    {
        if (a.Steps.FirstOrDefault(s => s.Step == "validate" && s.Detail is not null)?.Detail is not { } detail) return;
        var drift = JsonSerializer.Deserialize<ValidateDetail>(detail, StepDetailJson.Options)?.Drift ?? [];
        if (drift.Count == 0) return;
        var top = drift.OrderByDescending(d => d.Psi).Take(3).Select(d => string.Create(C, $"{d.Feature} {d.Psi:F3}"));
        html.Append(C, $"<div class=\"batch-drift text-muted\" title=\"population stability index of each feature, the held-out day against the training window\">drift (PSI): {HtmlEncode(string.Join(", ", top))}</div>");
    }

    /// <summary>What became of an attempt's pointer move: live now, applied and later replaced, or how it ended.</summary>
    private static string Moved(PromotionRecord move, string? live) => move.Status switch
    {
        PromotionStatus.Applied => move.Version == live ? "applied, live" : "applied, later replaced",
        PromotionStatus.Intent => "intent, not settled (batch reconcile)",
        _ => move.Status.Text(),
    };

    private static string Duration(StepRecord step) =>
        step.FinishedAt is { } end ? string.Create(C, $"{(end - step.StartedAt).TotalSeconds:F1} s") : "";

    /// <summary>The recorded progress of a running attempt, in words.</summary>
    public static string Progress(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var p = JsonSerializer.Deserialize<ProgressSnapshot>(json, StepDetailJson.Options)
            ?? throw new InvalidDataException("The recorded progress is empty.");
        var parts = new List<string> { p.Step };
        if (p.Done is not { } done) return p.Step + " started";
        if (p.Epochs > 0) parts.Add(string.Create(C, $"epoch {p.Epoch}/{p.Epochs}"));
        parts.Add(p.Total > 0 ? string.Create(C, $"{(double)done / p.Total:P0} ({done:N0}/{p.Total:N0} {p.Unit})") : string.Create(C, $"{done:N0} {p.Unit}"));
        parts.Add(string.Create(C, $"{p.Rate:N0} {p.Unit}/s"));
        if (p.RemainingSeconds is { } left) parts.Add($"ETA {TimeSpan.FromSeconds(left):m\\:ss}");
        return string.Join(", ", parts);
    }
}
