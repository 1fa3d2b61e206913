using Batch.Core.Days;
using Batch.Core.Options;
using Batch.Host.Cli;
using Batch.Lab.Comparisons;
using Batch.Lab.Synthetic;
using Batch.Pipeline.Jobs;
using Batch.Pipeline.Runs;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Batch.Lab.Cli;

/// <summary>What each lab verb does. Exit code 0 on success, 1 when the work failed (the reason is printed).</summary>
public static class LabVerbs
{
    /// <summary>The canonical source tables, created before the host checks the profiles' sources: the lab seeds them.</summary>
    private static Task CreateSourceAsync(IServiceProvider services, CancellationToken ct) =>
        CanonicalSource.EnsureAsync(services.GetRequiredService<Npgsql.NpgsqlDataSource>(), ct);

    /// <param name="shop">the shop world (carts, purchases with an order value) instead of the default one</param>
    public static async Task<int> SeedAsync(int days, int perDay, DateOnly? endDay, long seed, ShopWorld? shop, CancellationToken ct)
    {
        using var host = await HostFactory.BuildMigratedAsync(ct, services: s => s.AddLab(), prepare: CreateSourceAsync).ConfigureAwait(false);
        var summary = await SeedCoreAsync(host.Services, days, perDay, endDay, seed, ct, shop).ConfigureAwait(false);
        Console.WriteLine($"Seeded {summary.FirstDay:yyyy-MM-dd}..{summary.LastDay:yyyy-MM-dd}: {summary.Impressions} impressions, {summary.Clicks} clicks, "
            + (shop is null ? "" : $"{summary.Carts} carts, ") + $"{summary.Conversions} {(shop is null ? "conversions" : "purchases")}.");
        return 0;
    }

    public static async Task<int> CompareAsync(string model, DateOnly day, IReadOnlyList<string> architectures, double tolerance, int seeds, bool summary, bool history, CancellationToken ct)
    {
        using var host = await HostFactory.BuildMigratedAsync(ct, services: s => s.AddLab()).ConfigureAwait(false);
        var settings = host.Services.GetRequiredService<IOptions<BatchOptions>>().Value;
        var result = await host.Services.GetRequiredService<ModelComparison>().CompareArchitecturesAsync(model, day, architectures, tolerance, seeds, ct).ConfigureAwait(false);
        if (history) ComparisonPrinter.PrintHistory(result, Console.Out);
        ComparisonPrinter.Print(model, day, settings.Profile(model).JudgedOutputs, tolerance, result, Console.Out, summary);
        return 0;
    }

    public static async Task<int> BalanceAsync(string model, DateOnly day, string? architecture, IReadOnlyList<string> balancers, double tolerance, int seeds, bool summary, bool history, CancellationToken ct)
    {
        using var host = await HostFactory.BuildMigratedAsync(ct, services: s => s.AddLab()).ConfigureAwait(false);
        var settings = host.Services.GetRequiredService<IOptions<BatchOptions>>().Value;
        var result = await host.Services.GetRequiredService<ModelComparison>().CompareBalancersAsync(model, day, architecture, balancers, tolerance, seeds, ct).ConfigureAwait(false);
        ComparisonPrinter.Print(model, day, settings.Profile(model).JudgedOutputs, tolerance, result, Console.Out);
        ComparisonPrinter.PrintBalancing(result, Console.Out);
        if (history) ComparisonPrinter.PrintHistory(result, Console.Out);
        if (summary) Console.WriteLine(ComparisonPrinter.Summary(result));
        return 0;
    }

    /// <summary>
    /// Every feature's PSI and share of unseen values between each held-out day of a range and its training window, as the
    /// validate step measures them: what <c>Validation:MaxFeaturePsi</c> is chosen against.
    /// </summary>
    public static async Task<int> DriftAsync(string model, DateOnly from, DateOnly until, CancellationToken ct)
    {
        using var host = await HostFactory.BuildMigratedAsync(ct, services: s => s.AddLab()).ConfigureAwait(false);
        var settings = host.Services.GetRequiredService<IOptions<BatchOptions>>().Value;
        var profile = settings.Profile(model);
        var shards = host.Services.GetRequiredService<Batch.Data.Shards.DayShards>();
        var transient = host.Services.GetRequiredService<Polly.ResiliencePipeline>();
        var c = System.Globalization.CultureInfo.InvariantCulture;
        Console.WriteLine($"{model}: each feature's PSI between the held-out day and its {profile.TrainingDays}-day window (Validation:MaxFeaturePsi {profile.Validation.MaxFeaturePsi.ToString(c)}), and its share of unseen values.");
        var largest = (Psi: 0.0, Feature: "", Day: from);
        for (var day = from; day <= until; day = day.AddDays(1))
        {
            var (train, heldOut, _) = await TrainingData.ReadAsync(shards, transient, profile, settings, day, ct).ConfigureAwait(false);
            using (train)
            using (heldOut)
            {
                var drift = Batch.Data.Validation.FeatureDrift.Measure(() => train.Days(), () => heldOut.Days(), profile.Features);
                Console.WriteLine(string.Create(c, $"  {day:yyyy-MM-dd}  {string.Join("  ", drift.Select(d => $"{d.Feature} {d.Psi:F4}" + (d.UnseenShare > 0 ? $" ({d.UnseenShare:P2} unseen)" : "")))}"));
                foreach (var d in drift.Where(d => d.Psi > largest.Psi)) largest = (d.Psi, d.Feature, day);
            }
        }
        Console.WriteLine(string.Create(c, $"drift max_psi={largest.Psi:F4} feature={largest.Feature} day={largest.Day:yyyy-MM-dd}"));
        return 0;
    }

    public static async Task<int> RelatednessAsync(string model, DateOnly day, double tolerance, CancellationToken ct)
    {
        using var host = await HostFactory.BuildMigratedAsync(ct, services: s => s.AddLab()).ConfigureAwait(false);
        var results = await host.Services.GetRequiredService<RelatednessProbe>().ProbeAsync(model, day, tolerance, ct).ConfigureAwait(false);
        var c = System.Globalization.CultureInfo.InvariantCulture;
        Console.WriteLine($"{model}, held-out day {day:yyyy-MM-dd}: train one task's loss only, watch the other's held-out logloss.");
        Console.WriteLine("(With ESMM, pCTCVR = pCTR·pCVR: the two losses share the CTR output, so some coupling is built in.)");
        foreach (var r in results)
        {
            var (b, a) = (r.WatchedBefore, r.WatchedAfter);
            Console.WriteLine(string.Create(c, $"  trained {r.TrainedTask,-6} watched {r.WatchedTask,-6} logloss {b.LogLoss:F5} → {a.LogLoss:F5} ({(a.LogLoss - b.LogLoss) / b.LogLoss:+0.0%;-0.0%}), AUC {b.Auc:F4} → {a.Auc:F4}  {r.Reading}"));
            Console.WriteLine(string.Create(c, $"    training loss per epoch ({string.Join(" / ", r.History[0].Losses.Keys)}): {string.Join(" | ", r.History.Select(e => ComparisonPrinter.Losses(e.Losses, " / ")))}"));
        }
        return 0;
    }

    public static async Task<int> DemoAsync(string model, int days, int perDay, long seed, CancellationToken ct)
    {
        using var host = await HostFactory.BuildMigratedAsync(ct, [RetrainJob.Queue, "default"], workers: 1, s => s.AddLab().AddSingleton<IRunObserver>(ConsoleProgress.ForConsole()), CreateSourceAsync).ConfigureAwait(false);
        var settings = host.Services.GetRequiredService<IOptions<BatchOptions>>().Value;
        var nightly = DataDays.NightlyDay(DateTimeOffset.UtcNow, settings.TimeZone(), settings.ConversionWindowDays);
        var summary = await SeedCoreAsync(host.Services, days, perDay, nightly, seed, ct).ConfigureAwait(false);
        Console.WriteLine($"Seeded {summary.FirstDay:yyyy-MM-dd}..{summary.LastDay:yyyy-MM-dd}: {summary.Impressions} impressions, {summary.Clicks} clicks, {summary.Conversions} conversions.");

        await host.StartAsync(ct).ConfigureAwait(false);
        var client = host.Services.GetRequiredService<IBackgroundJobClient>();
        var storage = host.Services.GetRequiredService<JobStorage>();
        var failed = false;
        foreach (var day in new[] { nightly.AddDays(-1), nightly })
        {
            var jobId = RetrainJob.Enqueue(client, model, day);
            Console.WriteLine($"Hangfire job {jobId}: retrain {model} for {day:yyyy-MM-dd}");
            var state = await JobWaiter.WaitAsync(storage, jobId, TimeSpan.FromMinutes(30), ct).ConfigureAwait(false);
            failed |= state != "Succeeded";
            await Verbs.PrintLatestAsync(host.Services, model, day, ct).ConfigureAwait(false);
        }
        await host.StopAsync(ct).ConfigureAwait(false);
        Console.WriteLine($"Blob container '{settings.BlobContainer}' holds {model}/versions/… and {model}/production.json.");
        Console.WriteLine("The local stack is still running. Dashboard: dotnet run --project src/Batch.Host -- serve, then open http://127.0.0.1:5080/hangfire/models");
        Console.WriteLine("Stop the stack with: deploy/local-stack.sh stop");
        return failed ? 1 : 0;
    }

    private static async Task<SeedSummary> SeedCoreAsync(IServiceProvider services, int days, int perDay, DateOnly? endDay, long seed, CancellationToken ct, ShopWorld? shop = null)
    {
        var settings = services.GetRequiredService<IOptions<BatchOptions>>().Value;
        var zone = settings.TimeZone();
        var last = endDay ?? DataDays.NightlyDay(DateTimeOffset.UtcNow, zone, settings.ConversionWindowDays);
        return await services.GetRequiredService<SyntheticSeeder>()
            .SeedAsync(last, days, perDay, seed, zone, settings.ConversionWindowDays, ct, shop).ConfigureAwait(false);
    }
}
