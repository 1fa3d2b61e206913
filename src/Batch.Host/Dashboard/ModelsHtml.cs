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
        html.Append(Style);
        html.Append("<h1 class=\"page-header\">Models</h1>\n<div id=\"batch-message\" class=\"alert\" role=\"status\" style=\"display:none\"></div>\n");
        if (models.Count == 0) html.Append("<p>No model profile is configured (Batch:Models).</p>\n");
        foreach (var model in models) Model(html, model, url);
        html.Append(Script);
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

        var targets = model.Approved.Where(v => v.Version != model.Current?.Version).ToList();
        if (model.Current is not null && targets.Count > 0)
        {
            html.Append(C, $"<p class=\"form-inline\">Roll production back to <select class=\"form-control input-sm\" id=\"rollback-{name}\">");
            foreach (var t in targets) html.Append(C, $"<option value=\"{HtmlEncode(t.Version)}\">{HtmlEncode(t.Version)} (day {t.DataDay:yyyy-MM-dd})</option>");
            html.Append(C, $"</select> <button class=\"btn btn-sm btn-warning js-batch-action\" data-url=\"{HtmlEncode(url("/models/rollback"))}\" data-model=\"{name}\" data-select=\"rollback-{name}\" data-confirm=\"Point {name}'s production at the selected version? This is recorded in the ledger with your name.\">Roll back</button></p>\n");
        }

        if (model.Days.Count == 0) html.Append("<p>No runs yet.</p>\n");
        foreach (var day in model.Days) Day(html, model.Name, day, url);
        html.Append("</section>\n");
    }

    private static void Day(StringBuilder html, string model, DayView day, Func<string, string> url)
    {
        var running = day.Attempts.Any(a => a.Run.Status == RunStatus.Running);
        html.Append(C, $"<h3 class=\"batch-day\" id=\"day-{HtmlEncode(model)}-{day.Day:yyyy-MM-dd}\">{day.Day:yyyy-MM-dd} ");
        html.Append(C, $"<button class=\"btn btn-xs btn-default js-batch-action\" data-url=\"{HtmlEncode(url("/models/rerun"))}\" data-model=\"{HtmlEncode(model)}\" data-day=\"{day.Day:yyyy-MM-dd}\"{(running ? " disabled title=\"an attempt of this day is running\"" : "")}>Re-run this day</button></h3>\n");
        html.Append("<table class=\"table table-condensed batch-attempts\"><thead><tr><th>attempt</th><th>status</th><th>steps</th><th>candidate vs production</th><th>gate</th><th>version</th></tr></thead><tbody>\n");
        foreach (var attempt in day.Attempts) Attempt(html, model, attempt, url);
        html.Append("</tbody></table>\n");
    }

    private static void Attempt(StringBuilder html, string model, AttemptView a, Func<string, string> url)
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
        html.Append("</td><td class=\"small batch-gate\">");
        if (a.Gate is { } gate)
        {
            html.Append(C, $"<b>{(gate.Approved ? "approved" : "rejected")}</b> ({HtmlEncode(gate.Verdict)}){(gate.Transfer is null ? "" : $"<br>against production: <b class=\"batch-transfer\">{HtmlEncode(gate.Transfer)}</b>")}");
            html.Append("<details><summary>reasons</summary><ul>");
            foreach (var reason in gate.Reasons) html.Append(C, $"<li>{HtmlEncode(reason)}</li>");
            html.Append("</ul></details>");
        }
        html.Append("</td><td class=\"small\">");
        if (a.Version is { } version)
        {
            html.Append(C, $"{HtmlEncode(version.Version)} ({HtmlEncode(version.Status.Text())})");
            html.Append(C, $"<br><a class=\"batch-report\" target=\"_blank\" href=\"{HtmlEncode(url($"/models/report/{Uri.EscapeDataString(model)}/{Uri.EscapeDataString(version.Version)}/index.html"))}\">report</a>");
        }
        if (a.Promotion is { } move) html.Append(C, $"<br>production: {HtmlEncode(move.Status.Text())}");
        html.Append("</td></tr>\n");
    }

    /// <summary>Per judged task: both AUCs, the change with its 95 % interval, and the movement; without a gate, the candidate's metrics.</summary>
    private static void Metrics(StringBuilder html, AttemptView a)
    {
        var auc = a.Gate?.Judgements.Where(j => j.Measure == "auc").ToList() ?? [];
        if (auc.Count > 0)
        {
            foreach (var j in auc)
                html.Append(C, $"<div class=\"batch-judgement\" data-task=\"{HtmlEncode(j.Task)}\">{HtmlEncode(j.Task)} AUC {j.Candidate:F4} vs {j.Production:F4}: {SignedNumber.Format(j.Change, "F4")} [{SignedNumber.Format(j.Low, "F4")}, {SignedNumber.Format(j.High, "F4")}] {j.Movement}</div>");
            return;
        }
        foreach (var m in a.Metrics)
            html.Append(C, $"<div class=\"batch-metric\" data-task=\"{HtmlEncode(m.Task)}\">{HtmlEncode(m.Task)} AUC {m.Auc:F4}, logloss {m.LogLoss:F5}</div>");
    }

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

    private const string Style = """
        <style>
        .batch-attempts td { vertical-align: top; }
        .batch-attempts td:nth-child(1) { width: 9em; }
        .batch-attempts td:nth-child(2) { max-width: 22em; overflow-wrap: anywhere; }
        .batch-steps { white-space: nowrap; }
        .batch-metrics { min-width: 22em; }
        .batch-gate details ul { padding-left: 1.2em; max-width: 40em; }
        </style>

        """;

    // Actions post with the dashboard's antiforgery token (the layout's csrf meta tags) and show the answer here.
    private const string Script = """
        <script>
        (function () {
          var message = document.getElementById('batch-message');
          document.addEventListener('click', function (e) {
            var button = e.target.closest('.js-batch-action');
            if (!button) return;
            e.preventDefault();
            if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
            var body = new URLSearchParams();
            ['model', 'day'].forEach(function (k) { if (button.dataset[k]) body.set(k, button.dataset[k]); });
            if (button.dataset.select) body.set('version', document.getElementById(button.dataset.select).value);
            var headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
            var header = document.querySelector('meta[name="csrf-header"]'), token = document.querySelector('meta[name="csrf-token"]');
            if (header && token) headers[header.content] = token.content;
            button.disabled = true;
            fetch(button.dataset.url, { method: 'POST', headers: headers, body: body, credentials: 'same-origin' })
              .then(function (r) { return r.json().catch(function () { return { message: r.status + ' ' + r.statusText }; }).then(function (j) { return [r.ok, j]; }); })
              .then(function (answer) {
                message.textContent = answer[1].message;
                message.className = 'alert ' + (answer[0] ? 'alert-success' : 'alert-danger');
                message.style.display = 'block';
                button.disabled = false;
                if (answer[0]) setTimeout(function () { location.reload(); }, 2000);
              });
          });
          if (document.querySelector('.batch-running')) setTimeout(function () { location.reload(); }, 5000);
        })();
        </script>
        """;
}
