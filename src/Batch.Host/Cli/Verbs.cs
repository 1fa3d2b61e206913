using Batch.Core.Days;
using Batch.Core.Options;
using Batch.Data.Validation;
using Batch.Pipeline.Jobs;
using Batch.Pipeline.Ledger;
using Batch.Pipeline.Production;
using Batch.Pipeline.Runs;
using Batch.Pipeline.Scoring;
using Hangfire;
using Microsoft.Extensions.Options;
using Batch.Modeling.Plugins;

namespace Batch.Host.Cli;

/// <summary>What each verb does. Exit code 0 on success, 1 when the work failed (the reason is printed).</summary>
public static class Verbs
{
    public static async Task<int> MigrateAsync(CancellationToken ct)
    {
        using var host = HostFactory.Build();
        var applied = await HostFactory.MigrateAsync(host.Services, ct).ConfigureAwait(false);
        Console.WriteLine(applied.Count == 0 ? "Database is up to date." : $"Applied: {string.Join(", ", applied)}");
        return 0;
    }

    public static async Task<int> RunAsync(string model, DateOnly day, bool allowImmatureLabels, CancellationToken ct)
    {
        using var host = await HostFactory.BuildMigratedAsync(ct, services: s => s.AddSingleton<IRunObserver>(ConsoleProgress.ForConsole())).ConfigureAwait(false);
        var pipeline = host.Services.GetRequiredService<RetrainPipeline>();
        var ledger = host.Services.GetRequiredService<RunLedger>();
        var outcome = await pipeline.RunAsync(model, day, "cli", null, allowImmatureLabels, ct).ConfigureAwait(false);
        ReportPrinter.Print(await ledger.ReportAsync(outcome.RunId, ct).ConfigureAwait(false), Console.Out);
        return 0;
    }

    public static async Task<int> RerunAsync(string model, DateOnly day, bool wait, bool allowImmatureLabels, CancellationToken ct)
    {
        using var host = await HostFactory.BuildMigratedAsync(ct).ConfigureAwait(false);
        host.Services.GetRequiredService<IOptions<BatchOptions>>().Value.Profile(model).Validate(model);
        if (await host.Services.GetRequiredService<RunLedger>().HolderAsync(model, day, ct).ConfigureAwait(false) is { } running)
            throw new RunAlreadyActiveException(
                $"Not re-run: attempt {running.Attempt} of {model} for {day:yyyy-MM-dd} is still running (run {running.Id} on {running.Host}, started {running.StartedAt:u}); wait for it to finish.", null);
        if (!allowImmatureLabels) await RequireMatureAsync(host.Services, model, day, ct).ConfigureAwait(false);
        var client = host.Services.GetRequiredService<IBackgroundJobClient>();
        var jobId = RetrainJob.Enqueue(client, model, day, allowImmatureLabels);
        Console.WriteLine($"Enqueued job {jobId}: retrain {model} for {day:yyyy-MM-dd} on queue '{RetrainJob.Queue}'.");
        if (!wait) return 0;
        var state = await JobWaiter.WaitAsync(host.Services.GetRequiredService<JobStorage>(), jobId, TimeSpan.FromHours(6), ct).ConfigureAwait(false);
        await PrintLatestAsync(host.Services, model, day, ct).ConfigureAwait(false);
        return state == "Succeeded" ? 0 : 1;
    }

    public static async Task<int> ScoreAsync(string model, string? version, DateOnly day, string outPath, CancellationToken ct)
    {
        using var host = await HostFactory.BuildMigratedAsync(ct).ConfigureAwait(false);
        var scored = await host.Services.GetRequiredService<DayScoring>().ScoreAsync(model, version, day, ct).ConfigureAwait(false);
        var path = Path.GetFullPath(outPath);
        // Written beside the target and moved over it: a failed write leaves no half file under the name.
        var partial = path + ".partial";
        await using (var file = new StreamWriter(partial, append: false, new System.Text.UTF8Encoding(false)))
            ScoreFile.Write(scored, file);
        File.Move(partial, path, overwrite: true);
        Console.WriteLine(ScoreFile.Summary(scored, path));
        return 0;
    }

    public static async Task<int> RollbackAsync(string model, string? version, CancellationToken ct)
    {
        using var host = await HostFactory.BuildMigratedAsync(ct).ConfigureAwait(false);
        var moved = await host.Services.GetRequiredService<ProductionTransitions>().RollbackAsync(model, version, Actor, ct).ConfigureAwait(false);
        Console.WriteLine($"{model}: production rolled back from {moved.From} to {moved.To} by {moved.Actor} (promotion {moved.PromotionId}: {moved.Outcome}).");
        return 0;
    }

    public static async Task<int> PromoteAsync(string model, string version, CancellationToken ct)
    {
        using var host = await HostFactory.BuildMigratedAsync(ct).ConfigureAwait(false);
        var moved = await host.Services.GetRequiredService<ProductionTransitions>().PromoteAsync(model, version, Actor, ct).ConfigureAwait(false);
        Console.WriteLine($"{model}: production moved from {moved.From ?? "nothing"} to {moved.To} by {moved.Actor} (promotion {moved.PromotionId}: {moved.Outcome}).");
        return 0;
    }

    public static async Task<int> ReconcileAsync(string model, bool deleteOrphans, CancellationToken ct)
    {
        using var host = await HostFactory.BuildMigratedAsync(ct).ConfigureAwait(false);
        var state = await host.Services.GetRequiredService<ProductionReconciler>().ReconcileAsync(model, ct).ConfigureAwait(false);
        var orphans = state.ContainerExists ? await host.Services.GetRequiredService<OrphanVersions>().FindAsync(model, ct).ConfigureAwait(false) : [];
        foreach (var orphan in orphans)
            Console.WriteLine($"{model}: version folder {orphan.Location} ({orphan.Blobs.Count} blobs) has no ledger row{(deleteOrphans ? ": deleted" : "")}");
        if (deleteOrphans) await host.Services.GetRequiredService<OrphanVersions>().DeleteAsync(orphans, ct).ConfigureAwait(false);
        else if (orphans.Count > 0) Console.WriteLine($"{model}: nothing serves or records these; delete them with: batch reconcile --model {model} --delete-orphans");
        foreach (var repair in state.Repairs) Console.WriteLine($"{model}: settled {repair}");
        if (!state.ContainerExists)
            Console.WriteLine($"{model}: container '{state.Container}' does not exist yet at {state.Endpoint}; the model never had a version, so its first run creates it.");
        else if (state.Current is null)
            Console.WriteLine($"{model}: no production model; pointer and ledger agree.");
        else
            Console.WriteLine($"{model}: pointer and ledger agree: production is {state.Current.Version} (moved {state.Recorded?.SettledAt:u} by {state.Recorded?.Actor}, {state.Recorded?.Kind.Text()}).");
        if (state.InFlight is { } open)
            Console.WriteLine($"{model}: a move to {open.Promotion.Version} by {open.Promotion.Actor} is in flight (promotion {open.Promotion.Id}).");
        return 0;
    }

    private static string Actor => $"{Environment.UserName}@{Environment.MachineName}";

    /// <summary>Refuses to enqueue a day whose labels are not final, before a worker would refuse it in preflight.</summary>
    private static async Task RequireMatureAsync(IServiceProvider services, string model, DateOnly day, CancellationToken ct)
    {
        var settings = services.GetRequiredService<IOptions<BatchOptions>>().Value;
        await services.GetRequiredService<LabelMaturity>().RequireAsync(model, day, settings.TimeZone(), settings.ConversionWindowDays, ct).ConfigureAwait(false);
    }

    public static async Task<int> BackfillAsync(string model, DateOnly first, DateOnly last, bool allowImmatureLabels, CancellationToken ct)
    {
        using var host = await HostFactory.BuildMigratedAsync(ct).ConfigureAwait(false);
        host.Services.GetRequiredService<IOptions<BatchOptions>>().Value.Profile(model).Validate(model);
        // The last day of the range is the last to mature: when it has, every day before it has too.
        if (!allowImmatureLabels && last >= first) await RequireMatureAsync(host.Services, model, last, ct).ConfigureAwait(false);
        var ids = Backfill.Enqueue(host.Services.GetRequiredService<IBackgroundJobClient>(), model, first, last, allowImmatureLabels);
        Console.WriteLine($"Enqueued {ids.Count} days of {model}, {first:yyyy-MM-dd}..{last:yyyy-MM-dd}, one after another on queue '{RetrainJob.Queue}': jobs {string.Join(", ", ids)}.");
        return 0;
    }

    public static int Plugins(string model)
    {
        using var host = HostFactory.Build();
        var profile = host.Services.GetRequiredService<IOptions<BatchOptions>>().Value.Profile(model);
        foreach (var line in PluginsPrinter.Lines(model, profile)) Console.WriteLine(line);
        return 0;
    }

    public static async Task<int> StatusAsync(string model, CancellationToken ct)
    {
        using var host = await HostFactory.BuildMigratedAsync(ct).ConfigureAwait(false);
        var runs = await host.Services.GetRequiredService<RunLedger>().RunsAsync(model, null, ct).ConfigureAwait(false);
        if (runs.Count == 0) Console.WriteLine($"No runs of {model} yet.");
        foreach (var r in runs)
            Console.WriteLine($"{r.DataDay:yyyy-MM-dd}  attempt {r.Attempt,2}  run {r.Id,5}  {r.Status.Text(),-9}  {r.Trigger,-8}  started {r.StartedAt:u}{(r.AllowImmatureLabels ? "  (allowed immature labels)" : "")}{(r.Error is null ? "" : "  " + r.Error)}{(r.Note is null ? "" : "  [" + r.Note + "]")}");
        var moves = await host.Services.GetRequiredService<PromotionLedger>().HistoryAsync(model, ct).ConfigureAwait(false);
        if (moves.Count > 0) Console.WriteLine("production moves (from the ledger):");
        foreach (var m in moves)
            Console.WriteLine($"  {m.RequestedAt:u}  {m.Kind.Text(),-8}  {m.ExpectedPrevious ?? "-"} -> {m.Version}  {m.Status.Text(),-7}  by {m.Actor}  {m.Outcome}");
        return 0;
    }

    public static async Task<int> WorkerAsync(IReadOnlyList<string> queues, int workers, CancellationToken ct)
    {
        using var host = await HostFactory.BuildMigratedAsync(ct, queues, workers).ConfigureAwait(false);
        Console.WriteLine($"Worker on queues {string.Join(", ", queues)}; Ctrl+C stops it.");
        await host.RunAsync(ct).ConfigureAwait(false);
        return 0;
    }

    public static Task<int> ServeAsync(IReadOnlyList<string> queues, int workers, string urls, bool allowNoJobs, CancellationToken ct) =>
        DashboardHost.RunAsync(queues, workers, urls, allowNoJobs, ct);

    /// <summary>What the ledger knows of the latest attempt of (model, day), for people.</summary>
    public static async Task PrintLatestAsync(IServiceProvider services, string model, DateOnly day, CancellationToken ct)
    {
        var ledger = services.GetRequiredService<RunLedger>();
        var runs = await ledger.RunsAsync(model, day, ct).ConfigureAwait(false);
        if (runs.Count == 0) { Console.WriteLine($"No run of {model} for {day:yyyy-MM-dd} was recorded."); return; }
        ReportPrinter.Print(await ledger.ReportAsync(runs[^1].Id, ct).ConfigureAwait(false), Console.Out);
    }
}
