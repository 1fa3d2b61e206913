using Batch.Core.Days;
using Batch.Core.Options;
using Batch.Lab.Synthetic;
using Batch.Host.Cli;
using Batch.Pipeline.Jobs;
using Batch.Pipeline.Ledger;
using Batch.Publishing;
using Batch.Tests.Support;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace Batch.Tests.Pipeline;

/// <summary>The nightly job through a real Hangfire server on PostgreSQL storage, real Azurite and real training.</summary>
[Collection(TorchGroup.Name)]
public sealed class NightlyEndToEndTests(StackFixture stack) : IClassFixture<StackFixture>, IAsyncLifetime
{
    private static readonly DateOnly LastDay = new(2026, 10, 20);
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(5);
    private IHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = HostFactory.Build([RetrainJob.Queue, "default"], workers: 1, configure: c => c.AddInMemoryCollection(Settings()));
        await _host.StartAsync();
        var settings = Options;
        await new SyntheticSeeder(stack.DataSource).SeedAsync(LastDay, 6, 3000, seed: 5, settings.TimeZone(), settings.ConversionWindowDays, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    private BatchOptions Options => _host.Services.GetRequiredService<IOptions<BatchOptions>>().Value;
    private RunLedger Ledger => _host.Services.GetRequiredService<RunLedger>();
    private ModelStore Store => _host.Services.GetRequiredService<ModelStore>();
    private IBackgroundJobClient Client => _host.Services.GetRequiredService<IBackgroundJobClient>();
    private JobStorage Storage => _host.Services.GetRequiredService<JobStorage>();

    private Dictionary<string, string?> Settings() =>
        TinyProfiles.Settings(stack.Postgres, stack.Blobs, stack.ContainerName, ["e2e", "e2e-fix", "e2e-fill"]);

    private async Task<string> RunJobAsync(string model, DateOnly day)
    {
        var id = Client.Enqueue<RetrainJob>(j => j.RunAsync(model, DataDays.Format(day), null, CancellationToken.None));
        return await WaitAsync(id);
    }

    private Task<string> WaitAsync(string jobId) => JobWaiter.WaitAsync(Storage, jobId, JobTimeout, CancellationToken.None);

    [Fact]
    public async Task TwoDays_PromoteTheFirstModel_ThenGateTheSecondAgainstIt()
    {
        var day1 = LastDay.AddDays(-1);
        Assert.Equal("Succeeded", await RunJobAsync("e2e", day1));
        Assert.Equal("Succeeded", await RunJobAsync("e2e", LastDay));

        var run1 = Assert.Single(await Ledger.RunsAsync("e2e", day1, CancellationToken.None));
        var run2 = Assert.Single(await Ledger.RunsAsync("e2e", LastDay, CancellationToken.None));
        Assert.Equal((RunStatus.Succeeded, "hangfire"), (run1.Status, run1.Trigger));
        Assert.NotNull(run1.JobId);
        var steps = await Ledger.StepsAsync(run2.Id, CancellationToken.None);
        Assert.Equal(["preflight", "extract", "validate", "train", "evaluate", "gate", "publish"], steps.Select(s => s.Step));
        Assert.All(steps, s => Assert.Equal(StepStatus.Succeeded, s.Status));

        var report1 = await Ledger.ReportAsync(run1.Id, CancellationToken.None);
        var report2 = await Ledger.ReportAsync(run2.Id, CancellationToken.None);
        Assert.Null(report1.ProductionVersion);
        Assert.Equal("first-model", report1.Gate!.Verdict);
        Assert.Equal(report1.Version, report2.ProductionVersion);
        Assert.Equal("no-regression", report2.Gate!.Verdict);
        Assert.Equal(["ctr", "cvr", "ctcvr"], report2.ProductionMetrics!.Select(m => m.Task));
        Assert.All(report2.Metrics, m => Assert.InRange(m.Auc, 0.0, 1.0));

        var (pointer, _) = await Store.GetPointerAsync("e2e", CancellationToken.None);
        Assert.Equal(report2.Version, pointer!.Version);
        Assert.Equal(report1.Version, pointer.Previous);
        var (manifest, weights) = await Store.ReadVersionAsync("e2e", report2.Version!, CancellationToken.None);
        Assert.Equal(report1.Version, manifest.ProductionVersion);
        Assert.Equal(LastDay, manifest.DataDay);
        Assert.Equal((LastDay.AddDays(-3), LastDay.AddDays(-1)), (manifest.TrainingFirstDay, manifest.TrainingLastDay));
        Assert.NotEmpty(weights);
        var epochs = manifest.TrainingHistory!.AsArray();
        Assert.Equal(2, epochs.Count);
        Assert.Equal(2, epochs[0]!["weights"]!.AsArray().Count);
        Assert.Equal(2, manifest.Diagnostics!.MeanGateWeights["level1.task0"].Count); // one specific and one shared expert

        // The run's report lies beside the version, its plots beside the page.
        var report = $"e2e/versions/{report2.Version}/report/";
        var page = await Store.ReadAsync(report + "index.html", CancellationToken.None);
        Assert.Equal("text/html; charset=utf-8", page!.Value.ContentType);
        var html = System.Text.Encoding.UTF8.GetString(page.Value.Content);
        foreach (var image in new[] { "loss.png", "gates.png", "roc-ctr.png", "calibration-ctcvr.png" })
        {
            Assert.Contains($"src=\"{image}\"", html, StringComparison.Ordinal);
            Assert.Equal("image/png", (await Store.ReadAsync(report + image, CancellationToken.None))!.Value.ContentType);
        }
    }

    [Fact]
    public async Task ACorruptDay_FailsAndPublishesNothing_ThenARequeueAfterTheFixSucceeds()
    {
        var settings = Options;
        var (start, end) = DataDays.Bounds(LastDay, settings.TimeZone());
        var where = $"event_time >= '{start:O}' and event_time < '{end:O}'";
        var victims = await stack.ScalarAsync<string>($"select string_agg(id::text, ',' order by id) from (select id from impressions where {where} order by id limit 3) v");
        var original = await stack.ScalarAsync<double>($"select price from impressions where id = {victims.Split(',')[0]}");
        await stack.ExecuteAsync($"update impressions set price = 'NaN' where id in ({victims})");

        var jobId = Client.Enqueue<RetrainJob>(j => j.RunAsync("e2e-fix", DataDays.Format(LastDay), null, CancellationToken.None));
        Assert.Equal("Failed", await WaitAsync(jobId));

        var failed = Assert.Single(await Ledger.RunsAsync("e2e-fix", LastDay, CancellationToken.None));
        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Contains("[finite-price] held-out day 2026-10-20: 3 impressions have a missing or non-finite price", failed.Error, StringComparison.Ordinal);
        Assert.Contains(victims.Split(',')[0], failed.Error, StringComparison.Ordinal);
        Assert.Contains("batch rerun --model e2e-fix --day 2026-10-20", failed.Error, StringComparison.Ordinal);
        var steps = await Ledger.StepsAsync(failed.Id, CancellationToken.None);
        Assert.Equal([("preflight", StepStatus.Succeeded), ("extract", StepStatus.Succeeded), ("validate", StepStatus.Failed)], steps.Select(s => (s.Step, s.Status)));
        Assert.Equal(0L, await stack.ScalarAsync<long>("select count(*) from batch.model_versions where model = 'e2e-fix'"));
        Assert.Empty(stack.Container.GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, "e2e-fix/", CancellationToken.None));

        await stack.ExecuteAsync($"update impressions set price = {original.ToString(System.Globalization.CultureInfo.InvariantCulture)} where id in ({victims})");
        Assert.True(Client.Requeue(jobId)); // what the dashboard's Requeue button does
        Assert.Equal("Succeeded", await WaitAsync(jobId));

        var attempts = await Ledger.RunsAsync("e2e-fix", LastDay, CancellationToken.None);
        Assert.Equal([(1, RunStatus.Failed), (2, RunStatus.Succeeded)], attempts.Select(r => (r.Attempt, r.Status)));
        Assert.Equal((await Ledger.ReportAsync(attempts[1].Id, CancellationToken.None)).Version,
            (await Store.GetPointerAsync("e2e-fix", CancellationToken.None)).Pointer!.Version);
    }

    [Fact]
    public async Task Backfill_RunsTheDaysInOrder_EachGatedAgainstTheDayBefore()
    {
        var ids = Backfill.Enqueue(Client, "e2e-fill", LastDay.AddDays(-1), LastDay);
        Assert.Equal("Succeeded", await WaitAsync(ids[^1]));
        Assert.Equal("Succeeded", await WaitAsync(ids[0]));
        var first = Assert.Single(await Ledger.RunsAsync("e2e-fill", LastDay.AddDays(-1), CancellationToken.None));
        var second = Assert.Single(await Ledger.RunsAsync("e2e-fill", LastDay, CancellationToken.None));
        Assert.True(second.StartedAt >= first.FinishedAt);
        Assert.Equal((await Ledger.ReportAsync(first.Id, CancellationToken.None)).Version,
            (await Ledger.ReportAsync(second.Id, CancellationToken.None)).ProductionVersion);
    }

    [Fact]
    public void NightlyJob_EnqueuesTheNewestDayWhoseConversionWindowClosed_OnTheGpuQueue()
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 11, 28, 1, 0, 0, TimeSpan.Zero));
        var nightly = new NightlyJob(Client, _host.Services.GetRequiredService<IOptions<BatchOptions>>(), clock);
        // Deleted at once: only what was enqueued is of interest here (a run for that day would fail: no data).
        var id = nightly.Enqueue("e2e");
        Client.Delete(id);
        using var connection = Storage.GetConnection();
        var job = connection.GetJobData(id)!.Job;
        Assert.Equal(nameof(RetrainJob.RunAsync), job.Method.Name);
        Assert.Equal(["e2e", "2026-11-25"], job.Args.Take(2).Select(a => (string)a));
        var enqueued = Storage.GetMonitoringApi().JobDetails(id).History.Single(h => h.StateName == "Enqueued");
        Assert.Equal(RetrainJob.Queue, enqueued.Data["Queue"]);
    }

    [Fact]
    public void Registrar_AddsTheDeclaredJobs_AndRemovesTheUndeclared()
    {
        _host.Services.GetRequiredService<IRecurringJobManager>().AddOrUpdate("stale-job", () => Console.WriteLine("x"), Cron.Daily());
        var registered = _host.Services.GetRequiredService<RecurringJobRegistrar>().Register();
        Assert.Equal(["ranker-nightly"], registered.Select(j => j.Id));
        using var after = Storage.GetConnection();
        var jobs = after.GetRecurringJobs();
        var nightly = Assert.Single(jobs);
        Assert.Equal(("ranker-nightly", "30 2 * * *", "Europe/Amsterdam"), (nightly.Id, nightly.Cron, nightly.TimeZoneId));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
