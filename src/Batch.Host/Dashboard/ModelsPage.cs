using Hangfire.Dashboard;
using Hangfire.Dashboard.Pages;

namespace Batch.Host.Dashboard;

/// <summary>/hangfire/models: production, recent days and their attempts, and the actions, inside the dashboard's layout.</summary>
public sealed class ModelsPage : RazorPage
{
    public override void Execute()
    {
        Layout = new LayoutPage("Models");
        var http = Context.GetHttpContext();
        // Hangfire renders pages synchronously; the reads are a few ledger queries and one blob per model.
        var models = ModelsView.LoadAsync(http.RequestServices, http.RequestAborted).GetAwaiter().GetResult();
        WriteLiteral(ModelsHtml.Render(models, Url.To));
    }
}
