using System.Globalization;
using Batch.Core.Days;
using Batch.Core.Options;
using Batch.Evaluation;
using Batch.Data.Extraction;
using Batch.Modeling.Architectures;
using Batch.Modeling.Plugins;
using Batch.Modeling.Training;
using Batch.Host;
using Batch.Host.Cli;
using Batch.Lab.Benchmarks;
using Microsoft.Extensions.DependencyInjection;

namespace Batch.Lab.Cli;

/// <summary>The <c>bench</c> verbs: they print figures and assert nothing.</summary>
public static class Benchmarks
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static int CorrelatedTasks(double[] correlations, int samples, int epochs, int repeats)
    {
        var settings = new CorrelatedTasksSettings(TrainSamples: samples, Epochs: epochs, Repeats: repeats);
        Console.WriteLine(string.Create(C, $"Correlated regression tasks (Ma et al., KDD 2018): d={settings.InputDim}, m={settings.SinTerms}, c={settings.Scale}, {samples} training samples, {epochs} epochs, {repeats} seeds; MSE over both tasks, mean ± std over seeds."));
        foreach (var (name, options) in CorrelatedTasksStudy.MatchedSizes(settings))
            Console.WriteLine(string.Create(C, $"  {name,-14} experts/bottom width {options.ExpertHidden[0]}"));
        var results = CorrelatedTasksStudy.Run(correlations, settings);
        Console.WriteLine($"{"p",5} {"corr(y1,y2)",12}  {"architecture",-14} {"params",7} {"train MSE",17} {"test MSE",17}");
        foreach (var r in results)
            Console.WriteLine(string.Create(C, $"{r.Correlation,5:F2} {r.LabelCorrelation,12:F3}  {r.Architecture,-14} {r.Parameters,7} {r.TrainLoss,8:F4} ± {r.TrainLossStd,6:F4} {r.TestLoss,8:F4} ± {r.TestLossStd,6:F4}"));
        return 0;
    }

    public static int LatentTerms(int[] impressions, LatentTermsSettings settings)
    {
        var result = LatentTermsStudy.Run(impressions, settings);
        Console.WriteLine(string.Create(C, $"Synthetic world {settings.WorldSeed} ({result.Users} users, {result.Items} items): p(click) = σ(o + uᵤ·vᵢ), o the truth's click logit without the latent user × item term (given), rank-{settings.Rank} factors by SGD (η {settings.LearningRate}, L2 {settings.L2}), from ±{settings.Scale / 2}."));
        Console.WriteLine(string.Create(C, $"Held out: {settings.TestImpressions} impressions. The truth: AUC {result.Truth.Auc:F4}, logloss {result.Truth.LogLoss:F5}; without the latent term (o alone): AUC {result.WithoutLatent.Auc:F4}, logloss {result.WithoutLatent.LogLoss:F5}."));
        Console.WriteLine($"{"impressions",12} {"epoch",6} {"AUC",8} {"logloss",9}");
        foreach (var e in result.Epochs)
            Console.WriteLine(string.Create(C, $"{e.Impressions,12} {e.Epoch,6} {e.Auc,8:F4} {e.LogLoss,9:F5}"));
        return 0;
    }

    /// <summary>Rounds of the throughput benchmark; each row reports its median.</summary>
    public const int ThroughputRounds = 5;

    private static readonly int[] ThroughputBatches = [256, 1024, 4096];

    /// <param name="tasks">the task counts every variant is measured with (<see cref="ThroughputBenchmark.Tasks"/>)</param>
    public static int Throughput(int steps, IReadOnlyList<int> tasks)
    {
        var device = TorchDevices.Resolve("auto");
        var matmul = ThroughputBenchmark.MatmulGflops(device);
        Console.WriteLine(string.Create(C, $"Device {device}, {TorchSharp.torch.get_num_threads()} threads. Reference: 2048×2048 float32 matmul at {matmul:F1} GFLOP/s."));
        Console.WriteLine(string.Create(C, $"Batch: {TableShape.Large.Description}, 2 numeric features, ESMM losses, AdamW (tables at rate {ThroughputBenchmark.TableLearningRate} and decay {ThroughputBenchmark.TableDecay}; +{ThroughputBenchmark.Lazy}: only their rows in the batch updated); GFLOP/s counts dense layers only (6 FLOPs per weight per sample)."));
        var names = Registries.Architectures.Names.Concat(ThroughputBenchmark.Variants).ToList();
        ThroughputTable(names, steps, matmul, device, TableShape.Large, tasks);
        Console.WriteLine();
        Console.WriteLine(string.Create(C, $"The same at {TableShape.Demo.Description}:"));
        ThroughputTable(ThroughputBenchmark.DemoShapeVariants, steps, matmul, device, TableShape.Demo, tasks);
        Console.WriteLine();
        Console.WriteLine(string.Create(C, $"And at {TableShape.Huge.Description}, where updating every row every step is most of the work:"));
        ThroughputTable(ThroughputBenchmark.HugeShapeVariants, steps, matmul, device, TableShape.Huge, tasks);
        return 0;
    }

    /// <summary>
    /// One row per variant and batch size, the median of <see cref="ThroughputRounds"/> interleaved rounds (so that a
    /// busy moment of the machine falls on every row alike); the step time relative to plain PLE's in the same table
    /// (same batch and task count), and, with several task counts, relative to the same variant with the first.
    /// </summary>
    private static void ThroughputTable(IReadOnlyList<string> names, int steps, double matmul, TorchSharp.torch.Device device, TableShape shape, IReadOnlyList<int> tasks)
    {
        var width = names.Max(n => n.Length);
        var cells = names.SelectMany(n => ThroughputBatches.SelectMany(b => tasks.Select(t => (Name: n, Batch: b, Tasks: t)))).ToList();
        var rounds = Enumerable.Range(0, ThroughputRounds)
            .Select(_ => cells.Select(c => ThroughputBenchmark.Measure(c.Name, c.Batch, steps, matmul, device, shape, c.Tasks)).ToList()).ToList();
        Console.WriteLine($"{"architecture".PadRight(width)} {"batch",6} {"tasks",5} {"params",9} {"samples/s",11} {"GFLOP/s",8} {"of matmul",10} {"step × ple",10}{(tasks.Count > 1 ? $" {$"× {tasks[0]} tasks",11}" : "")}");
        var ple = new Dictionary<(int, int), double>();
        var first = new Dictionary<(string, int), double>();
        for (var i = 0; i < cells.Count; i++)
        {
            var (name, batch, count) = cells[i];
            var r = rounds.Select(round => round[i]).OrderBy(m => m.SamplesPerSecond).ElementAt(ThroughputRounds / 2);
            if (name == PlePlugin.Id) ple[(batch, count)] = r.SamplesPerSecond;
            if (count == tasks[0]) first[(name, batch)] = r.SamplesPerSecond;
            var relative = ple.TryGetValue((batch, count), out var reference) ? (reference / r.SamplesPerSecond).ToString("F2", C) : "";
            var toFirst = tasks.Count > 1 ? $" {(first[(name, batch)] / r.SamplesPerSecond).ToString("F2", C),11}" : "";
            Console.WriteLine(string.Create(C, $"{r.Architecture.PadRight(width)} {r.BatchSize,6} {r.Tasks,5} {r.Parameters,9} {r.SamplesPerSecond,11:F0} {r.GflopsPerSecond,8:F2} {r.FractionOfMatmul,10:P1} {relative,10}{toFirst}"));
        }
    }

    public static int Balancers(string architecture, int batchSize, int steps, int tasks)
    {
        var device = TorchDevices.Resolve("auto");
        var described = tasks == 2 ? "two tasks (ESMM)" : $"{tasks} tasks (a chain: {string.Join(", ", ThroughputBenchmark.Tasks(tasks).Outputs.Take(tasks))})";
        Console.WriteLine(string.Create(C, $"Per-step cost of each loss balancer on {architecture}, batch {batchSize}, {described}, device {device}: median of 5 interleaved rounds of {steps} steps."));
        Console.WriteLine($"{"balancer",-12} {"ms/step",9} {"× fixed",8}");
        foreach (var r in BalancerCostBenchmark.Run(architecture, batchSize, steps, device, tasks: tasks))
            Console.WriteLine(string.Create(C, $"{r.Balancer,-12} {r.MillisecondsPerStep,9:F2} {r.RatioToFixed,8:F2}"));
        return 0;
    }

    public static async Task<int> ExtractAsync(string model, DateOnly day, int rounds, CancellationToken ct)
    {
        using var host = await HostFactory.BuildMigratedAsync(ct).ConfigureAwait(false);
        var settings = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<BatchOptions>>().Value;
        var profile = settings.Profile(model);
        var (first, last) = (day.AddDays(-profile.TrainingDays), day.AddDays(-1));
        var speed = await ExtractionBenchmark.RunAsync(host.Services.GetRequiredService<DayExtractor>(), host.Services.GetRequiredService<SourceDataSource>().DataSource,
            SourceSpec.Of(profile, settings), first, last, rounds, settings.ExtractionConnections, ct).ConfigureAwait(false);
        Console.WriteLine(string.Create(C, $"Extraction of {model}'s training window {first:yyyy-MM-dd}..{last:yyyy-MM-dd} ({speed.Rows:N0} rows, {profile.Features.Categorical.Count} categorical and {profile.Features.Numeric.Count} numeric columns), median of {rounds} interleaved rounds after a warm-up:"));
        Console.WriteLine(string.Create(C, $"  plain binary COPY of the window's query, read and discarded         {speed.CopySeconds,7:F2} s  {speed.CopyRowsPerSecond,12:N0} rows/s"));
        Console.WriteLine(string.Create(C, $"  {$"extraction day by day into new shards, {settings.ExtractionConnections} days at once",-66}  {speed.ExtractSeconds,7:F2} s  {speed.ExtractRowsPerSecond,12:N0} rows/s"));
        Console.WriteLine(string.Create(C, $"  the same again, every shard reused (fingerprints only)              {speed.ReuseSeconds,7:F2} s  {speed.ReuseRowsPerSecond,12:N0} rows/s"));
        Console.WriteLine(string.Create(C, $"extract extract_ratio={speed.Ratio:F2} rows={speed.Rows} extract_rows_s={speed.ExtractRowsPerSecond:F0} copy_rows_s={speed.CopyRowsPerSecond:F0}"));
        return 0;
    }

    public static async Task<int> NightlyAsync(string model, DateOnly? day, IReadOnlyList<int> sizes, long worldSeed, CancellationToken ct)
    {
        using var host = HostFactory.Build();
        var settings = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<BatchOptions>>().Value;
        var profile = settings.Profile(model);
        var nightly = day ?? DataDays.NightlyDay(DateTimeOffset.UtcNow, settings.TimeZone(), settings.ConversionWindowDays);
        var result = await NightlyBenchmark.RunAsync(
            new NightlySettings(Path.Combine(AppContext.BaseDirectory, "batch"), Path.Combine(AppContext.BaseDirectory, "batch-lab"), settings.ConnectionStrings.Postgres, settings.ConnectionStrings.Blobs, model, nightly, profile.TrainingDays, sizes, worldSeed),
            line => Console.WriteLine($"  {line}"), ct).ConfigureAwait(false);
        Console.WriteLine(string.Create(C, $"One nightly attempt of {model} for {nightly:yyyy-MM-dd} per size ({profile.TrainingDays}-day window + held-out day), each in its own process against a scratch database; extraction and plain COPY speeds from a separate `bench extract` process at the same size."));
        var stepNames = result.Sizes[0].Steps.Select(s => s.Step).ToList();
        Console.WriteLine($"{"per day",10} {"rows",10} {string.Join(" ", stepNames.Select(n => $"{n + " s",10}"))} {"total s",8} {"extract rows/s",15} {"COPY rows/s",12} {"ratio",6} {"train samples/s",16} {"peak RSS MB",12} outcome");
        foreach (var s in result.Sizes)
        {
            var seconds = stepNames.Select(n => s.Steps.FirstOrDefault(x => x.Step == n)?.Seconds.ToString("F1", C) ?? "-");
            Console.WriteLine(string.Create(C, $"{s.ImpressionsPerDay,10:N0} {s.ExtractedRows,10:N0} {string.Join(" ", seconds.Select(v => $"{v,10}"))} {s.TotalSeconds,8:F1} {s.Extraction.ExtractRowsPerSecond,15:N0} {s.Extraction.CopyRowsPerSecond,12:N0} {s.Extraction.Ratio,6:F2} {s.TrainSamplesPerSecond,16:N0} {s.PeakRssBytes / 1048576.0,12:F0} {s.Outcome}"));
        }
        Console.WriteLine(string.Create(C, $"nightly extract_ratio={result.ExtractRatio:F2} rss_growth={result.RssGrowth:F2} total_s_largest={result.TotalSecondsLargest:F0}"));
        return 0;
    }

    public static async Task<int> GateAsync(string model, DateOnly day, int resamples, int seeds, string shuffled, CancellationToken ct)
    {
        using var host = await HostFactory.BuildMigratedAsync(ct, services: s => s.AddLab()).ConfigureAwait(false);
        var gate = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<BatchOptions>>().Value.Profile(model).Gate;
        var result = await host.Services.GetRequiredService<Batch.Lab.Comparisons.GateBenchmark>().RunAsync(model, day, resamples, seeds, shuffled, ct).ConfigureAwait(false);
        Console.WriteLine(string.Create(C, $"Gate of {model} on {result.Resamples} bootstrap resamples of held-out day {day:yyyy-MM-dd} ({result.Rows} impressions): margins {gate.MaxAucDrop} AUC, {gate.MaxLogLossIncrease:P0} logloss; one-sided α {gate.Alpha}."));
        Console.WriteLine($"{"candidate",-36} {string.Join(" ", gate.JudgedTasks.Select(t => $"{t + " ΔAUC",11} {t + " Δlogloss",15}"))} {"approved",9}  rejected by");
        foreach (var t in result.Trials)
            Console.WriteLine(string.Create(C, $"{t.Label,-36} {string.Join(" ", gate.JudgedTasks.Select(task => $"{SignedNumber.Format(t.AucChange[task], "F4"),11} {SignedNumber.Format(100 * t.LogLossChange[task], "F2") + " %",15}"))} {t.ApprovalRate,9:P1}  {(t.Rejections.Count == 0 ? "-" : string.Join(", ", t.Rejections.OrderByDescending(r => r.Value).Select(r => $"{r.Key} ×{r.Value}")))}"));
        Console.WriteLine("What this day's volume lets the gate see (AUC, DeLong standard error of the paired difference, median over resamples):");
        foreach (var s in result.Sensitivity)
            Console.WriteLine(string.Create(C, $"  {s.Task,-6} {s.Positives,6} positives  se {s.StandardError:F4}  drop rejected on half of such days {s.Detectable50:F4}, on 80 % of them {s.Detectable80:F4}"));
        Console.WriteLine(string.Create(C, $"gate same_setup_approval={result.SameSetUpApproval:F2} {string.Join(" ", result.Trials.Skip(result.Seeds).Select((t, i) => $"planted{i + 1}_rejection={1 - t.ApprovalRate:F2}"))}"));
        return 0;
    }

    public static async Task<int> DashboardAsync(IReadOnlyList<int> concurrencies, int requests, int timeoutSeconds, CancellationToken ct)
    {
        var executable = Path.Combine(AppContext.BaseDirectory, "batch");
        var port = FreePort();
        Console.WriteLine(string.Create(C, $"serve on 127.0.0.1:{port} (queue {DashboardBenchmark.IdleQueue}: it takes no work), its configuration this process's; per concurrency {requests} GETs of /hangfire/models and, first, of a static file of the dashboard (the reference); a request not answered 200 within {timeoutSeconds} s is an error."));
        var result = await DashboardBenchmark.RunAsync(executable, port, concurrencies, requests, TimeSpan.FromSeconds(timeoutSeconds), Console.WriteLine, ct).ConfigureAwait(false);
        foreach (var line in result.ServerErrorLines) Console.WriteLine($"  serve logged: {line}");
        Console.WriteLine(DashboardBenchmark.Summary(result));
        return 0;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
