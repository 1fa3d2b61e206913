using Hangfire.Dashboard;

namespace Batch.Host.Dashboard;

/// <summary>Adds the Models page, its actions and the report files to the dashboard, and the page to its navigation.</summary>
public static class ModelsDashboard
{
    private static int _registered;

    /// <summary>Hangfire's routes and menu are process-wide: registered once, whatever the number of hosts.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1) return;
        DashboardRoutes.Routes.AddRazorPage("/models", _ => new ModelsPage());
        DashboardRoutes.Routes.Add("/models/rerun", new PostOnly(new ModelActions.Rerun()));
        DashboardRoutes.Routes.Add("/models/rollback", new PostOnly(new ModelActions.Rollback()));
        DashboardRoutes.Routes.Add(ReportDispatcher.Route, new ReportDispatcher());
        DashboardRoutes.Routes.Add(ModelsAssets.StyleRoute, ModelsAssets.Style);
        DashboardRoutes.Routes.Add(ModelsAssets.ScriptRoute, ModelsAssets.Script);
        NavigationMenu.Items.Add(page => new MenuItem("Models", page.Url.To("/models")) { Active = page.RequestPath.StartsWith("/models", StringComparison.Ordinal) });
    }

    /// <summary>
    /// Actions change state: they answer POST only (which Hangfire checks for an antiforgery token), and a request
    /// that names no model, an unknown one or no valid day is answered 400 with what is wrong.
    /// </summary>
    private sealed class PostOnly(IDashboardDispatcher inner) : IDashboardDispatcher
    {
        public async Task Dispatch(DashboardContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (!string.Equals(context.Request.Method, "POST", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.StatusCode = 405;
                return;
            }
            try
            {
                await inner.Dispatch(context).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
            {
                await ModelActions.AnswerAsync(context, 400, e.Message).ConfigureAwait(false);
            }
        }
    }
}
