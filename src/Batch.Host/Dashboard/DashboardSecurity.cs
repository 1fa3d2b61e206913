using Batch.Evaluation.Reports;

namespace Batch.Host.Dashboard;

/// <summary>
/// Headers on every answer of the dashboard host, whatever route or status: no page of it may be framed (a page of
/// another origin could lay a decoy over "Re-run this day" or "Roll back" and have the user click it — with Basic auth the
/// browser sends the cached credentials into the frame), and every script and style comes from the dashboard itself.
/// Hangfire sends a framing header only on the answer that sets its antiforgery cookie; this sends one on all.
/// </summary>
public static class DashboardSecurity
{
    /// <summary>
    /// The style block that the chart library inside Hangfire 1.8.25's script bundle injects on the dashboard's first page
    /// (its size monitor's rules), allowed by its hash. A Hangfire upgrade that changes it shows up as a refused style in
    /// <c>ModelsPageBrowserTests</c>, with the new hash in chromium's message.
    /// </summary>
    private const string HangfireChartStyle = "'sha256-z7zcnw/4WalZqx+PrNaRnoeLz/G9WXuFqV1WCJ129sg='";

    /// <summary>
    /// Scripts, styles and everything else from the dashboard only; images also as data: URIs (Hangfire's empty favicon);
    /// two inline style blocks by their hashes (a run report's, Hangfire's chart's); no framing, no plug-ins, forms and base
    /// URLs to itself.
    /// </summary>
    public static string ContentSecurityPolicy { get; } =
        $"default-src 'self'; img-src 'self' data:; style-src 'self' {RunReportWriter.StyleSource} {HangfireChartStyle}; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'";

    public static void UseDashboardSecurityHeaders(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XFrameOptions = "DENY";
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "same-origin";
                return Task.CompletedTask;
            });
            return next(context);
        });
    }
}
