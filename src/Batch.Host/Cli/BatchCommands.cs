using System.CommandLine;
using Batch.Core.Days;
using Batch.Modeling.Plugins;
using Batch.Research.Benchmarks;

namespace Batch.Host.Cli;

/// <summary>The command line: one verb per operator action.</summary>
public static class BatchCommands
{
    /// <summary>Print the whole exception of a failure, stack trace included.</summary>
    public static readonly Option<bool> Verbose = new("--verbose") { Description = "On failure, print the full error with its stack trace", Recursive = true };

    public static RootCommand Build()
    {
        var model = new Option<string>("--model") { Description = "Model profile name (Batch:Models:<name>)", DefaultValueFactory = _ => "ranker" };
        var day = new Option<string>("--day") { Description = "Data day, yyyy-MM-dd, in the business time zone", Required = true };
        var days = new Option<int>("--days") { Description = "Number of days to seed, ending at --end-day", DefaultValueFactory = _ => 14 };
        var perDay = new Option<int>("--impressions-per-day") { Description = "Synthetic impressions per day", DefaultValueFactory = _ => 30_000 };
        var endDay = new Option<string?>("--end-day") { Description = "Last seeded day (default: the nightly day)" };
        var seed = new Option<long>("--seed") { Description = "Random seed of the synthetic world", DefaultValueFactory = _ => 7 };
        var queues = new Option<string[]>("--queues") { Description = "Hangfire queues to work", AllowMultipleArgumentsPerToken = true };
        var workers = new Option<int>("--workers") { Description = "Hangfire worker threads", DefaultValueFactory = _ => 1 };
        var urls = new Option<string>("--urls") { Description = "Where the dashboard listens", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var wait = new Option<bool>("--wait") { Description = "Wait for the job and print its outcome" };

        var root = new RootCommand("Batch: nightly retraining of multi-task CTR/CVR ranking models.") { Verbose };

        var migrate = new Command("migrate", "Apply pending database migrations.");
        migrate.SetAction((_, ct) => Verbs.MigrateAsync(ct));
        root.Subcommands.Add(migrate);

        var seedCommand = new Command("seed", "Write synthetic impressions, conversions and their truth for a range of days.") { days, perDay, endDay, seed };
        seedCommand.SetAction((r, ct) => Verbs.SeedAsync(r.GetValue(days), r.GetValue(perDay), ParseDay(r.GetValue(endDay)), r.GetValue(seed), ct));
        root.Subcommands.Add(seedCommand);

        var immature = new Option<bool>("--allow-immature-labels")
        {
            Description = "Train on a day whose conversion window has not closed (its labels may still change); recorded on the run",
        };
        var run = new Command("run", "Run the pipeline for one (model, day) in this process.") { model, day, immature };
        run.SetAction((r, ct) => Verbs.RunAsync(r.GetValue(model)!, DataDays.Parse(r.GetValue(day)!), r.GetValue(immature), ct));
        root.Subcommands.Add(run);

        var rerun = new Command("rerun", "Enqueue a new attempt of (model, day) on the gpu queue.") { model, day, wait, immature };
        rerun.SetAction((r, ct) => Verbs.RerunAsync(r.GetValue(model)!, DataDays.Parse(r.GetValue(day)!), r.GetValue(wait), r.GetValue(immature), ct));
        root.Subcommands.Add(rerun);

        var to = new Option<string?>("--to") { Description = "Version to put back in production (default: the one before the current)" };
        var rollback = new Command("rollback", "Point production back at an earlier version, recorded in the ledger.") { model, to };
        rollback.SetAction((r, ct) => Verbs.RollbackAsync(r.GetValue(model)!, r.GetValue(to), ct));
        root.Subcommands.Add(rollback);

        var version = new Option<string>("--version") { Description = "An approved version of the model", Required = true };
        var promote = new Command("promote", "Point production at an approved version, recorded in the ledger; also settles a pointer the ledger disagrees with.") { model, version };
        promote.SetAction((r, ct) => Verbs.PromoteAsync(r.GetValue(model)!, r.GetValue(version)!, ct));
        root.Subcommands.Add(promote);

        var deleteOrphans = new Option<bool>("--delete-orphans") { Description = "Also delete the version folders in storage that no ledger row records" };
        var reconcile = new Command("reconcile", "Compare the production pointer with the ledger; settle what a recorded intent explains, fail on anything else; list version folders the ledger does not record.") { model, deleteOrphans };
        reconcile.SetAction((r, ct) => Verbs.ReconcileAsync(r.GetValue(model)!, r.GetValue(deleteOrphans), ct));
        root.Subcommands.Add(reconcile);

        var scoreVersion = new Option<string?>("--version") { Description = "An approved version (default: the one in production)" };
        var scoreOut = new Option<string>("--out") { Description = "CSV file to write: impression_id,p_ctr,p_cvr,p_ctcvr", Required = true };
        var score = new Command("score", "Score every impression of a day with a published version and write the scores to a CSV file.") { model, scoreVersion, day, scoreOut };
        score.SetAction((r, ct) => Verbs.ScoreAsync(r.GetValue(model)!, r.GetValue(scoreVersion), DataDays.Parse(r.GetValue(day)!), r.GetValue(scoreOut)!, ct));
        root.Subcommands.Add(score);

        var from = new Option<string>("--from") { Description = "First day, yyyy-MM-dd", Required = true };
        var until = new Option<string>("--until") { Description = "Last day, yyyy-MM-dd", Required = true };
        var backfill = new Command("backfill", "Enqueue the days of a range in order, each after the previous one finished.") { model, from, until, immature };
        backfill.SetAction((r, ct) => Verbs.BackfillAsync(r.GetValue(model)!, DataDays.Parse(r.GetValue(from)!), DataDays.Parse(r.GetValue(until)!), r.GetValue(immature), ct));
        root.Subcommands.Add(backfill);

        var status = new Command("status", "List the runs of a model from the ledger.") { model };
        status.SetAction((r, ct) => Verbs.StatusAsync(r.GetValue(model)!, ct));
        root.Subcommands.Add(status);

        var allowNoJobs = new Option<bool>("--allow-no-jobs") { Description = "Start even when Batch:JobsDirectory is missing or holds no job (every recurring job is then removed)" };
        var serve = new Command("serve", "Dashboard at /hangfire, recurring jobs from jobs/, and a worker on the default queue.") { queues, workers, urls, allowNoJobs };
        serve.SetAction((r, ct) => Verbs.ServeAsync(Queues(r.GetValue(queues), "default"), r.GetValue(workers), r.GetValue(urls)!, r.GetValue(allowNoJobs), ct));
        root.Subcommands.Add(serve);

        var worker = new Command("worker", "A Hangfire worker (the GPU machine runs `worker --queues gpu`).") { queues, workers };
        worker.SetAction((r, ct) => Verbs.WorkerAsync(Queues(r.GetValue(queues), "gpu"), r.GetValue(workers), ct));
        root.Subcommands.Add(worker);

        var architectures = new Option<string[]>("--architectures")
        {
            Description = "Architectures to compare with the single-task baselines (comma-separated)",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [.. Registries.Architectures.ListedNames],
        };
        var tolerance = new Option<double>("--tolerance") { Description = "AUC change that counts as a move", DefaultValueFactory = _ => 0.001 };
        var seedCount = new Option<int>("--seeds") { Description = "Seeds each variant is trained with; metrics are their mean ± sd", DefaultValueFactory = _ => 1 };
        var summaryLine = new Option<bool>("--summary") { Description = "End with one line: quality <architecture> ctr=… ctcvr=… logistic … single-task … [oracle …]" };
        var history = new Option<bool>("--history") { Description = "Also print each row's loss per epoch (training and validation, first seed), the kept epoch marked" };
        var compare = new Command("compare", "Train architectures on the same window and compare them with the single-task and logistic yardsticks.") { model, day, architectures, tolerance, seedCount, summaryLine, history };
        compare.SetAction((r, ct) => Verbs.CompareAsync(r.GetValue(model)!, DataDays.Parse(r.GetValue(day)!), Split(r.GetValue(architectures)!), r.GetValue(tolerance), r.GetValue(seedCount), r.GetValue(summaryLine), r.GetValue(history), ct));
        root.Subcommands.Add(compare);

        var correlations = new Option<double[]>("--correlations") { Description = "Task correlations p", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [1.0, 0.9, 0.8, 0.5] };
        var samples = new Option<int>("--samples") { Description = "Training samples per correlation", DefaultValueFactory = _ => 10_000 };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs", DefaultValueFactory = _ => 10 };
        var repeats = new Option<int>("--repeats") { Description = "Seeds to average over", DefaultValueFactory = _ => 3 };
        var correlated = new Command("correlated-tasks", "The MMoE paper's synthetic study: final loss per architecture per task correlation.") { correlations, samples, epochs, repeats };
        correlated.SetAction(r => Benchmarks.CorrelatedTasks(r.GetValue(correlations)!, r.GetValue(samples), r.GetValue(epochs), r.GetValue(repeats)));
        var steps = new Option<int>("--steps") { Description = "Timed training steps per measurement", DefaultValueFactory = _ => 20 };
        var throughput = new Command("throughput", "Training samples per second per architecture at batch 256, 1024 and 4096, against a large matrix multiply.") { steps };
        throughput.SetAction(r => Benchmarks.Throughput(r.GetValue(steps)));
        var benchArchitecture = new Option<string>("--architecture") { Description = "Architecture to time the balancers on", DefaultValueFactory = _ => Registries.Architectures.Default.Name };
        var batchSize = new Option<int>("--batch-size") { Description = "Batch size", DefaultValueFactory = _ => 1024 };
        var balancerCost = new Command("balancers", "Per-step cost of each loss balancer relative to Fixed on the same model and batch.") { benchArchitecture, batchSize, steps };
        balancerCost.SetAction(r => Benchmarks.Balancers(r.GetValue(benchArchitecture)!, r.GetValue(batchSize), r.GetValue(steps)));
        var resamples = new Option<int>("--resamples") { Description = "Bootstrap resamples of the held-out day", DefaultValueFactory = _ => 200 };
        var shuffle = new Option<string>("--shuffle") { Description = "Categorical feature shuffled in the planted candidate's training", DefaultValueFactory = _ => "item_id" };
        var gateSeeds = new Option<int>("--seeds") { Description = "Same-set-up candidates, each trained with another seed", DefaultValueFactory = _ => 4 };
        var gateBench = new Command("gate", "Approval rate of same-set-up candidates and rejection rate of planted worse ones, over resampled held-out days.") { model, day, resamples, gateSeeds, shuffle };
        gateBench.SetAction((r, ct) => Benchmarks.GateAsync(r.GetValue(model)!, DataDays.Parse(r.GetValue(day)!), r.GetValue(resamples), r.GetValue(gateSeeds), r.GetValue(shuffle)!, ct));
        var rounds = new Option<int>("--rounds") { Description = "Timed rounds of each, after a warm-up", DefaultValueFactory = _ => 3 };
        var extractBench = new Command("extract", "Extraction of a model's training window against the plain binary COPY of the same query, read and discarded.") { model, day, rounds };
        extractBench.SetAction((r, ct) => Benchmarks.ExtractAsync(r.GetValue(model)!, DataDays.Parse(r.GetValue(day)!), r.GetValue(rounds), ct));
        var sizes = new Option<string>("--sizes") { Description = "Impressions per day to measure (comma-separated)", DefaultValueFactory = _ => "300000,1000000" };
        var nightlyDay = new Option<string?>("--day") { Description = "The attempt's day (default: the nightly day)" };
        var nightlyBench = new Command("nightly", "Per size, a scratch database seeded and one nightly attempt in its own process: seconds per step, extraction against plain COPY, training samples/s, peak RSS.") { model, nightlyDay, sizes, seed };
        nightlyBench.SetAction((r, ct) => Benchmarks.NightlyAsync(r.GetValue(model)!, ParseDay(r.GetValue(nightlyDay)), ParseSizes(r.GetValue(sizes)!), r.GetValue(seed), ct));
        var latentSizes = new Option<string>("--impressions") { Description = "Training impressions to learn from (comma-separated)", DefaultValueFactory = _ => "1800000,6000000" };
        var defaults = new LatentTermsSettings();
        var latentEpochs = new Option<int>("--epochs") { Description = "SGD epochs over each", DefaultValueFactory = _ => defaults.Epochs };
        var latentRate = new Option<double>("--learning-rate") { Description = "SGD step size η", DefaultValueFactory = _ => defaults.LearningRate };
        var latentL2 = new Option<double>("--l2") { Description = "L2 penalty λ on the factors", DefaultValueFactory = _ => defaults.L2 };
        var latentScale = new Option<double>("--scale") { Description = "The factors start uniform in ±scale/2", DefaultValueFactory = _ => defaults.Scale };
        var latentRank = new Option<int>("--rank") { Description = "Factors per user and per item", DefaultValueFactory = _ => defaults.Rank };
        var latent = new Command("latent-terms", "How much of the synthetic world's latent user × item click term a factorisation learns from N impressions, everything else given.")
        {
            latentSizes, latentEpochs, seed, latentRate, latentL2, latentScale, latentRank,
        };
        latent.SetAction(r => Benchmarks.LatentTerms(ParseSizes(r.GetValue(latentSizes)!), defaults with
        {
            WorldSeed = r.GetValue(seed), Epochs = r.GetValue(latentEpochs), LearningRate = r.GetValue(latentRate),
            L2 = r.GetValue(latentL2), Scale = r.GetValue(latentScale), Rank = r.GetValue(latentRank),
        }));
        var concurrencies = new Option<string>("--concurrency") { Description = "Requests in flight at once, per round (comma-separated)", DefaultValueFactory = _ => "50,100,200" };
        var requestCount = new Option<int>("--requests") { Description = "Requests per round", DefaultValueFactory = _ => 1000 };
        var requestTimeout = new Option<int>("--timeout") { Description = "Seconds a request may take before it counts as an error", DefaultValueFactory = _ => 60 };
        var dashboardBench = new Command("dashboard", "serve under load: p50/p99 and errors of /hangfire/models at each concurrency, against a static file of the dashboard.") { concurrencies, requestCount, requestTimeout };
        dashboardBench.SetAction((r, ct) => Benchmarks.DashboardAsync(ParseCounts(r.GetValue(concurrencies)!, "--concurrency", "requests in flight"), r.GetValue(requestCount), r.GetValue(requestTimeout), ct));
        root.Subcommands.Add(new Command("bench", "Benchmarks that print figures.") { correlated, throughput, balancerCost, gateBench, extractBench, nightlyBench, latent, dashboardBench });

        var balancers = new Option<string[]>("--balancers")
        {
            Description = "Loss balancers to compare (comma-separated)",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [.. Registries.Balancers.Names],
        };
        var architecture = new Option<string?>("--architecture") { Description = "Architecture (default: the profile's)" };
        var balance = new Command("balance", "Train one architecture with several loss balancers and compare them with the single-task and logistic yardsticks.") { model, day, architecture, balancers, tolerance, seedCount, summaryLine, history };
        balance.SetAction((r, ct) => Verbs.BalanceAsync(r.GetValue(model)!, DataDays.Parse(r.GetValue(day)!), r.GetValue(architecture), Split(r.GetValue(balancers)!), r.GetValue(tolerance), r.GetValue(seedCount), r.GetValue(summaryLine), r.GetValue(history), ct));
        root.Subcommands.Add(balance);

        var plugins = new Command("plugins", "List the architectures, interaction layers and loss balancers, each with its settings as the profile gives them (* the profile's choice).") { model };
        plugins.SetAction(r => Verbs.Plugins(r.GetValue(model)!));
        root.Subcommands.Add(plugins);

        var moveTolerance = new Option<double>("--tolerance") { Description = "Relative loss change that counts as a move", DefaultValueFactory = _ => 0.01 };
        var relatedness = new Command("relatedness", "Train on one task's loss only and watch whether the other task's loss falls too.") { model, day, moveTolerance };
        relatedness.SetAction((r, ct) => Verbs.RelatednessAsync(r.GetValue(model)!, DataDays.Parse(r.GetValue(day)!), r.GetValue(moveTolerance), ct));
        root.Subcommands.Add(relatedness);

        var demo = new Command("demo", "Seed synthetic data and run the nightly job for two consecutive days through Hangfire.") { model, days, perDay, seed };
        demo.SetAction((r, ct) => Verbs.DemoAsync(r.GetValue(model)!, r.GetValue(days), r.GetValue(perDay), r.GetValue(seed), ct));
        root.Subcommands.Add(demo);
        return root;
    }

    private static DateOnly? ParseDay(string? text) => text is null ? null : DataDays.Parse(text);

    private static int[] ParseSizes(string text) => ParseCounts(text, "--sizes", "impressions per day");

    private static int[] ParseCounts(string text, string option, string what) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => int.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArgumentException($"{option} takes positive whole numbers of {what}, comma-separated; '{t}' is not one."))
            .ToArray();

    private static string[] Queues(string[]? given, string fallback) => given is { Length: > 0 } ? Split(given) : [fallback];

    private static string[] Split(string[] given) =>
        given.SelectMany(q => q.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
}
