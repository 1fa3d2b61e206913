using System.Text;
using Hangfire.Dashboard;

namespace Batch.Host.Dashboard;

/// <summary>
/// The Models page's stylesheet and script, served as files of the dashboard: its content security policy allows scripts
/// and styles from the dashboard itself only, none inline.
/// </summary>
public sealed class ModelsAssets(string contentType, string content) : IDashboardDispatcher
{
    public const string StyleRoute = "/models/assets/models.css";
    public const string ScriptRoute = "/models/assets/models.js";

    private readonly byte[] _bytes = Encoding.UTF8.GetBytes(content);

    public static ModelsAssets Style { get; } = new("text/css; charset=utf-8", StyleText);
    public static ModelsAssets Script { get; } = new("text/javascript; charset=utf-8", ScriptText);

    public async Task Dispatch(DashboardContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.ContentType = contentType;
        await context.Response.Body.WriteAsync(_bytes, context.GetHttpContext().RequestAborted).ConfigureAwait(false);
    }

    private const string StyleText = """
        .batch-attempts td { vertical-align: top; }
        .batch-attempts td:nth-child(1) { width: 9em; }
        .batch-attempts td:nth-child(2) { max-width: 22em; overflow-wrap: anywhere; }
        .batch-steps { white-space: nowrap; }
        .batch-metrics { min-width: 22em; }
        .batch-gate details ul { padding-left: 1.2em; max-width: 40em; }
        """;

    // Actions post with the dashboard's antiforgery token (the layout's csrf meta tags), after a confirmation that names
    // what changes ({version}: the option chosen when the button is pressed), and show the answer in place.
    private const string ScriptText = """
        (function () {
          var message = document.getElementById('batch-message');
          document.addEventListener('click', function (e) {
            var button = e.target.closest('.js-batch-action');
            if (!button) return;
            e.preventDefault();
            var select = button.dataset.select ? document.getElementById(button.dataset.select) : null;
            var question = (button.dataset.confirm || '').replace('{version}', select ? select.value : '');
            if (question && !window.confirm(question)) return;
            var body = new URLSearchParams();
            ['model', 'day'].forEach(function (k) { if (button.dataset[k]) body.set(k, button.dataset[k]); });
            if (select) body.set('version', select.value);
            var headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
            var header = document.querySelector('meta[name="csrf-header"]'), token = document.querySelector('meta[name="csrf-token"]');
            if (header && token) headers[header.content] = token.content;
            button.disabled = true;
            fetch(button.dataset.url, { method: 'POST', headers: headers, body: body, credentials: 'same-origin' })
              .then(function (r) { return r.json().catch(function () { return { message: r.status + ' ' + r.statusText }; }).then(function (j) { return [r.ok, j]; }); })
              .then(function (answer) {
                message.textContent = answer[1].message;
                message.className = 'alert ' + (answer[0] ? 'alert-success' : 'alert-danger');
                button.disabled = false;
                if (answer[0]) setTimeout(function () { location.reload(); }, 2000);
              });
          });
          if (document.querySelector('.batch-running')) setTimeout(function () { location.reload(); }, 5000);
        })();
        """;
}
