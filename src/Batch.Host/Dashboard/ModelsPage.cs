using Hangfire.Dashboard;
using Hangfire.Dashboard.Pages;

namespace Batch.Host.Dashboard;

/// <summary>/hangfire/models: production, recent days and their attempts, and the actions, inside the dashboard's layout.</summary>
public sealed class ModelsPage : RazorPage
{
    public override void Execute()
    {
        Layout = new LayoutPage("Models");
        // Hangfire renders pages synchronously: the data was read before, without holding a thread (ModelsViewCache).
        WriteLiteral(ModelsHtml.Render(ModelsViewCache.For(Context.GetHttpContext()), Url.To));
    }
}
