using Batch.Pipeline.Jobs;
using Hangfire;
using Hangfire.Dashboard;

namespace Batch.Host.Cli;

/// <summary><c>serve</c>: the Hangfire dashboard, the recurring jobs of jobs/, and a worker.</summary>
public static class DashboardHost
{
    public static async Task<int> RunAsync(IReadOnlyList<string> queues, int workers, string urls, CancellationToken ct)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.AddBatchConfiguration();
        builder.WebHost.UseUrls(urls);
        builder.Services.AddBatch(builder.Configuration);
        builder.Services.AddBatchWorker(queues, workers);
        await using var app = builder.Build();
        await HostFactory.MigrateAsync(app.Services, ct).ConfigureAwait(false);
        var registered = app.Services.GetRequiredService<RecurringJobRegistrar>().Register();
        // Local requests only: the dashboard can re-run and delete jobs.
        app.MapHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = [new LocalRequestsOnlyAuthorizationFilter()],
            DashboardTitle = "Batch",
        });
        app.MapGet("/", () => Results.Redirect("/hangfire"));
        Console.WriteLine($"Dashboard on {urls}/hangfire; recurring jobs: {string.Join(", ", registered.Select(j => $"{j.Id} ({j.Cron} {j.TimeZone})"))}; queues: {string.Join(", ", queues)}.");
        await app.RunAsync(ct).ConfigureAwait(false);
        return 0;
    }
}
