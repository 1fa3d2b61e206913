using Batch.Core.Options;
using Batch.Pipeline.Jobs;
using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.AspNetCore.RateLimiting;
using Batch.Host.Dashboard;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Batch.Host.Cli;

/// <summary><c>serve</c>: the Hangfire dashboard, the recurring jobs of jobs/, and a worker.</summary>
public static class DashboardHost
{
    /// <param name="allowNoJobs">start even when the jobs folder is missing or empty (removing every recurring job); otherwise that is refused</param>
    public static async Task<int> RunAsync(IReadOnlyList<string> queues, int workers, string urls, bool allowNoJobs, CancellationToken ct)
    {
        await using var app = Build(queues, workers, urls);
        await HostFactory.MigrateAsync(app.Services, ct).ConfigureAwait(false);
        await SourceCheck.RunAsync(app.Services, ct).ConfigureAwait(false);
        var registered = app.Services.GetRequiredService<RecurringJobRegistrar>().Register(allowNoJobs);
        var access = app.Services.GetRequiredService<IOptions<BatchOptions>>().Value.Dashboard.RequiresAuthentication
            ? "Basic authentication required" : "local requests only";
        Console.WriteLine($"Dashboard on {urls}/hangfire ({access}); recurring jobs: {(registered.Count == 0 ? "none (--allow-no-jobs)" : string.Join(", ", registered.Select(j => $"{j.Id} ({j.Cron} {j.TimeZone})")))}; queues: {string.Join(", ", queues)}.");
        await app.RunAsync(ct).ConfigureAwait(false);
        return 0;
    }

    /// <summary>The web host, not yet started; <paramref name="configure"/> adds configuration last (tests).</summary>
    public static WebApplication Build(IReadOnlyList<string> queues, int workers, string urls, Action<IConfigurationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.AddBatchConfiguration();
        configure?.Invoke(builder.Configuration);
        builder.WebHost.UseUrls(urls);
        builder.Services.AddBatch(builder.Configuration);
        builder.Services.AddBatchWorker(queues, workers);
        HostFactory.UseCpuThreads(builder.Configuration);
        // With an IAntiforgery service registered, Hangfire checks a token on every dashboard POST, its own pages' and ours.
        // Its framing header (SAMEORIGIN, on one answer only) gives way to ours, on every answer (DashboardSecurity).
        builder.Services.AddAntiforgery(o => o.SuppressXFrameOptionsHeader = true);
        var dashboard = builder.Configuration.GetSection($"{BatchOptions.Section}:Dashboard").Get<DashboardAccessOptions>() ?? new DashboardAccessOptions();
        if (dashboard.RequiresAuthentication)
        {
            builder.Services.AddAuthentication(DashboardAuthentication.SchemeName)
                .AddScheme<AuthenticationSchemeOptions, DashboardAuthentication>(DashboardAuthentication.SchemeName, null);
            builder.Services.AddAuthorizationBuilder()
                .AddPolicy(DashboardAuthentication.Policy, p => p.AddAuthenticationSchemes(DashboardAuthentication.SchemeName).RequireAuthenticatedUser());
        }

        builder.Services.AddSingleton<ModelsViewCache>();
        // Hangfire renders its pages with blocking storage calls: each request let in holds a thread until it is done. The
        // pool starts with one thread per core and adds more slowly, so the first burst would wait seconds for threads.
        ThreadPool.GetMinThreads(out var threads, out var io);
        ThreadPool.SetMinThreads(Math.Max(threads, dashboard.MaxConcurrentRequests + workers + Environment.ProcessorCount), io);
        // Page loads beyond a few at a time wait here, holding no thread and no connection (see MaxConcurrentRequests).
        builder.Services.AddRateLimiter(o => o.AddConcurrencyLimiter(DashboardLoad, c =>
        {
            c.PermitLimit = dashboard.MaxConcurrentRequests;
            c.QueueLimit = 100_000;
            c.QueueProcessingOrder = System.Threading.RateLimiting.QueueProcessingOrder.OldestFirst;
        }));

        ModelsDashboard.Register();
        var app = builder.Build();
        app.UseDashboardSecurityHeaders();
        if (dashboard.RequiresAuthentication)
        {
            app.UseAuthentication();
            app.UseAuthorization();
        }
        app.UseRateLimiter();
        app.Use(ModelsViewCache.PreloadAsync);
        // Hangfire's pages read their storage through a pool of their own, so that no number of page loads can take the
        // connections the server's heartbeat and job fetches need.
        var storage = new PostgreSqlStorage(new DataSourceConnections(app.Services.GetRequiredService<HangfirePools>().Dashboard), BatchServices.StorageOptions(prepareSchema: false));
        var endpoint = dashboard.RequiresAuthentication
            // Every request authenticates, local or not: the policy replaces the local-only filter.
            ? app.MapHangfireDashboardWithAuthorizationPolicy(DashboardAuthentication.Policy, "/hangfire", new DashboardOptions { DashboardTitle = "Batch", Authorization = [] }, storage)
            // Local requests only: the dashboard can re-run and delete jobs.
            : app.MapHangfireDashboard("/hangfire", new DashboardOptions { Authorization = [new LoopbackOnlyAuthorization()], DashboardTitle = "Batch" }, storage);
        endpoint.RequireRateLimiting(DashboardLoad);
        app.MapGet("/", () => Results.Redirect("/hangfire"));
        return app;
    }

    private const string DashboardLoad = "dashboard";
}
