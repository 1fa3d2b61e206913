using Batch.Pipeline.Ledger;
using Batch.Publishing;
using Hangfire.Dashboard;

namespace Batch.Host.Dashboard;

/// <summary>
/// Serves a version's report (its page and plots) from blob storage through the dashboard, under the dashboard's
/// authorization: no public blob address is handed out.
/// </summary>
public sealed class ReportDispatcher : IDashboardDispatcher
{
    public const string Route = "/models/report/(?<model>[^/]+)/(?<version>[^/]+)/(?<file>[A-Za-z0-9_.-]+)";

    public async Task Dispatch(DashboardContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.GetHttpContext();
        var (model, version, file) = (Uri.UnescapeDataString(context.UriMatch.Groups["model"].Value), Uri.UnescapeDataString(context.UriMatch.Groups["version"].Value), context.UriMatch.Groups["file"].Value);
        var recorded = await http.RequestServices.GetRequiredService<PromotionLedger>().VersionAsync(model, version, http.RequestAborted).ConfigureAwait(false);
        var blob = recorded is null || file.StartsWith('.') ? null
            : await http.RequestServices.GetRequiredService<ModelStore>().ReadAsync(ModelStore.ReportPrefix(recorded.BlobPrefix) + file, http.RequestAborted).ConfigureAwait(false);
        if (blob is not { } found)
        {
            // Plain text, typed as such (with nosniff on every answer), so that what the request named is never read as markup.
            context.Response.StatusCode = 404;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync($"No report file '{file}' for {model} version {version}.").ConfigureAwait(false);
            return;
        }
        context.Response.ContentType = found.ContentType;
        context.Response.SetExpire(DateTimeOffset.UtcNow.AddDays(1)); // versions are immutable
        await context.Response.Body.WriteAsync(found.Content, http.RequestAborted).ConfigureAwait(false);
    }
}
