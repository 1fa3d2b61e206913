using Batch.Core.Days;
using Batch.Core.Options;
using Batch.Data.Synthetic;
using Batch.Host.Cli;
using Batch.Research.Comparisons;
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
    public async Task Balance_ComparesEachStrategyWithTheYardsticks_OnTheSameWindow_AgainstTheTruth()
    {
        var result = await _host.Services.GetRequiredService<ModelComparison>()
            .CompareBalancersAsync("e2e", LastDay, "mmoe", ["fixed", "pcgrad"], tolerance: 0.001, seeds: 2, CancellationToken.None);
        var results = result.Rows;
        Assert.Equal(["single-task", "logistic", "mmoe + fixed", "mmoe + pcgrad"], results.Select(r => r.Label));
        Assert.Null(results[0].Verdict);
        Assert.All(results.Skip(1), r => Assert.NotNull(r.Verdict));
        Assert.All(results[3].History, e => Assert.InRange(e.ConflictRate!.Value, 0, 1));
        Assert.Equal(["task0", "task1"], results[2].Diagnostics.MeanGateWeights.Keys.Order(StringComparer.Ordinal));

        // The logistic yardstick's decay was tuned on the validation loss, and is the trial that scored best there.
        var tuning = results[1].Tuning!;
        Assert.Null(results[0].Tuning);
        Assert.Equal(LogisticTuning.Decays, tuning.Trials.Select(t => t.Decay));
        Assert.Equal(tuning.Trials.MinBy(t => t.ValidationLoss)!.Decay, tuning.Decay);
        Assert.True(tuning.Trials.Select(t => t.ValidationLoss).Distinct().Count() > 1, "the decay changed nothing");
        Assert.StartsWith($"weight decay {tuning.Decay.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)} chosen on the validation loss (ctr + ctcvr) of ", tuning.Describe(), StringComparison.Ordinal);
        // Trained to convergence, not cut at the profile's 2 epochs: each trial stops on its validation loss, and the
        // yardstick (the profile holds no validation days) then trains the chosen trial's epochs on the whole window.
        Assert.All(tuning.Trials, t => Assert.InRange(t.Epochs, 1, LogisticTuning.MaxEpochs));
        Assert.True(tuning.Epochs > 2, $"the chosen trial stopped after {tuning.Epochs} epochs");
        Assert.Equal(tuning.Epochs, results[1].History.Count);
        Assert.All(results.Where(r => r.Label != "logistic"), r => Assert.Equal(2, r.History.Count));

        // Two seeds each: the row is their mean.
        Assert.All(results, r => Assert.Equal(2, r.PerSeed.Count));
        var row = results[2];
        Assert.Equal((row.PerSeed[0].Single(m => m.Task == "ctr").Auc + row.PerSeed[1].Single(m => m.Task == "ctr").Auc) / 2, row.Metrics.Single(m => m.Task == "ctr").Auc, 12);

        // The synthetic world's truth: its AUC is the ceiling, and the summary names every yardstick.
        var oracle = result.Oracle!;
        Assert.True(oracle.Single(m => m.Task == "ctcvr").Auc > results.Max(r => r.Metrics.Single(m => m.Task == "ctcvr").Auc));
        Assert.Matches(@"^quality mmoe ctr=0\.\d{4} ctcvr=0\.\d{4} logistic ctr=0\.\d{4} ctcvr=0\.\d{4} single-task ctr=0\.\d{4} ctcvr=0\.\d{4} oracle ctr=0\.\d{4} ctcvr=0\.\d{4}$",
            Batch.Host.Cli.ComparisonPrinter.Summary(result));

        // Without its latent user × item terms the truth ranks the same day's clicks worse, and the table shows both.
        var withoutLatent = result.OracleWithoutLatent!;
        Assert.Equal(oracle.Single(m => m.Task == "ctr").Count, withoutLatent.Single(m => m.Task == "ctr").Count);
        Assert.True(withoutLatent.Single(m => m.Task == "ctr").Auc < oracle.Single(m => m.Task == "ctr").Auc);
        using var printed = new StringWriter();
        Batch.Host.Cli.ComparisonPrinter.Print("e2e", LastDay, ["ctr", "ctcvr"], 0.001, result, printed);
        var line = printed.ToString().Split('\n').Single(l => l.StartsWith(Batch.Host.Cli.ComparisonPrinter.WithoutLatentLabel, StringComparison.Ordinal));
        Assert.Contains(withoutLatent.Single(m => m.Task == "ctr").Auc.ToString("F4", System.Globalization.CultureInfo.InvariantCulture), line, StringComparison.Ordinal);
        Assert.EndsWith("(the same without the latent user × item terms)", line.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compare_WithoutTheProfilesArchitecture_NamesTheRowItsSummaryReports()
    {
        var result = await _host.Services.GetRequiredService<ModelComparison>()
            .CompareArchitecturesAsync("e2e", LastDay, ["shared-bottom"], tolerance: 0.001, seeds: 1, CancellationToken.None);
        Assert.Equal(["single-task", "logistic", "shared-bottom"], result.Rows.Select(r => r.Label));
        Assert.StartsWith("quality shared-bottom ctr=", Batch.Host.Cli.ComparisonPrinter.Summary(result), StringComparison.Ordinal);

        // --history: a line per row, each epoch's training loss as the row's history has it.
        using var printed = new StringWriter();
        Batch.Host.Cli.ComparisonPrinter.PrintHistory(result, printed);
        var lines = printed.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1 + result.Rows.Count, lines.Length);
        foreach (var (row, line) in result.Rows.Zip(lines.Skip(1)))
        {
            var first = row.History[0];
            Assert.StartsWith(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"  {row.Label}: 1: {first.Ctr:F4}/{first.Ctcvr:F4}"), line, StringComparison.Ordinal);
            Assert.Equal(row.History.Count, line.Split(" | ").Length);
        }
    }

    [Fact]
    public async Task Logistic_TrainsAtTheBetterOfTheProfilesTwoLearningRates_NeverAtAWideRateThatWeakensIt()
    {
        // A wide rate far too small to train in the epochs allowed: the yardstick must not take it.
        var training = Options.Profile("e2e").Training;
        training.WideLearningRate = 1e-7;
        try
        {
            var result = await _host.Services.GetRequiredService<ModelComparison>()
                .CompareArchitecturesAsync("e2e", LastDay, ["shared-bottom"], tolerance: 0.001, seeds: 1, CancellationToken.None);
            var tuning = result.Rows.Single(r => r.Label == "logistic").Tuning!;
            Assert.Equal([1e-7, training.LearningRate], tuning.RateTrials.Select(t => t.Rate));
            Assert.All(tuning.RateTrials, t => Assert.Equal(0, t.Decay));
            Assert.True(tuning.RateTrials[1].ValidationLoss < tuning.RateTrials[0].ValidationLoss, "the tiny rate trained as well as the profile's");
            Assert.Equal(training.LearningRate, tuning.Rate);
            Assert.All(tuning.Trials, t => Assert.Equal(training.LearningRate, t.Rate));
            Assert.Equal(LogisticTuning.Decays, tuning.Trials.Select(t => t.Decay));
            Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"; at learning rate {training.LearningRate:G3}, the better without decay of 1E-07 → "), tuning.Describe(), StringComparison.Ordinal);
        }
        finally
        {
            training.WideLearningRate = null;
        }
    }

    [Fact]
    public async Task Relatedness_TrainsEachTaskAlone_AndReadsTheOthersLoss()
    {
        var results = await _host.Services.GetRequiredService<RelatednessProbe>().ProbeAsync("e2e", LastDay, 0.01, CancellationToken.None);
        Assert.Equal([("ctr", "ctcvr"), ("ctcvr", "ctr")], results.Select(r => (r.TrainedTask, r.WatchedTask)));
        Assert.All(results, r => Assert.Contains(r.Reading.Split(':')[0], new[] { "related", "unrelated", "conflicting" }));
        Assert.All(results, r => Assert.NotEqual(r.WatchedBefore.LogLoss, r.WatchedAfter.LogLoss));
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
