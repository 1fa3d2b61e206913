using System.CommandLine;
using System.Globalization;
using Batch.Core.Days;
using Batch.Host.Cli;
using Batch.Lab.Benchmarks;
using Batch.Lab.Synthetic;
using Batch.Modeling.Plugins;

namespace Batch.Lab.Cli;

/// <summary>
/// The lab's command line, <c>batch-lab</c>: synthetic worlds (seed, demo), studies (compare, balance, relatedness) and
/// benchmarks (bench …). It runs against the same configuration as <c>batch</c>.
/// </summary>
public static class LabCommands
{
    public static RootCommand Build()
    {
        var root = new RootCommand("batch-lab: synthetic worlds, studies and benchmarks of Batch's models.") { OperatorCommands.Verbose };
        foreach (var command in Worlds().Concat(Studies())) root.Subcommands.Add(command);
        root.Subcommands.Add(new Command("bench", "Benchmarks that print figures.") { CorrelatedTasks(), Throughput(), BalancerCost(), Gate(), Extract(), Nightly(), LatentTerms(), Dashboard() });
        return root;
    }

    private static Option<long> Seed() => new("--seed") { Description = "Random seed of the synthetic world", DefaultValueFactory = _ => 7 };

    /// <summary>seed, demo: synthetic worlds in the configured database.</summary>
    private static IEnumerable<Command> Worlds()
    {
        var days = new Option<int>("--days") { Description = "Number of days to seed, ending at --end-day", DefaultValueFactory = _ => 14 };
        var perDay = new Option<int>("--impressions-per-day") { Description = "Synthetic impressions per day", DefaultValueFactory = _ => 30_000 };
        var endDay = new Option<string?>("--end-day") { Description = "Last seeded day (default: the nightly day)" };
        var seed = Seed();
        var world = new Option<string>("--world") { Description = "default (clicks, conversions) or shop (clicks, carts, purchases with an order value)", DefaultValueFactory = _ => "default" };
        world.AcceptOnlyFromAmong("default", "shop");
        var correlation = new Option<double>("--correlation") { Description = "shop world: the share of the click logit in the cart and purchase logits, 0–1", DefaultValueFactory = _ => 0.5 };
        correlation.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is < 0 or > 1) r.AddError("--correlation must lie within [0, 1].");
        });
        var seedCommand = new Command("seed", "Write synthetic impressions, conversions and their truth for a range of days.") { days, perDay, endDay, seed, world, correlation };
        seedCommand.SetAction((r, ct) => LabVerbs.SeedAsync(r.GetValue(days), r.GetValue(perDay), ParseDay(r.GetValue(endDay)), r.GetValue(seed),
            r.GetValue(world) == "shop" ? new ShopWorld(r.GetValue(correlation)) : null, ct));
        var model = OperatorCommands.Model();
        var demo = new Command("demo", "Seed synthetic data and run the nightly job for two consecutive days through Hangfire.") { model, days, perDay, seed };
        demo.SetAction((r, ct) => LabVerbs.DemoAsync(r.GetValue(model)!, r.GetValue(days), r.GetValue(perDay), r.GetValue(seed), ct));
        return [seedCommand, demo];
    }

    /// <summary>compare, balance, relatedness, drift: studies of architectures, balancers, tasks and data on one window.</summary>
    private static IEnumerable<Command> Studies()
    {
        var (model, day) = (OperatorCommands.Model(), OperatorCommands.Day());
        var tolerance = new Option<double>("--tolerance") { Description = "AUC change that counts as a move", DefaultValueFactory = _ => 0.001 };
        var seeds = new Option<int>("--seeds") { Description = "Seeds each variant is trained with; metrics are their mean ± sd", DefaultValueFactory = _ => 1 };
        var summary = new Option<bool>("--summary") { Description = "End with one line: quality <architecture> ctr=… ctcvr=… logistic … single-task … [oracle …]" };
        var history = new Option<bool>("--history") { Description = "Also print each row's loss per epoch (training and validation, first seed), the kept epoch marked" };
        var architectures = new Option<string[]>("--architectures")
        {
            Description = "Architectures to compare with the single-task baselines (comma-separated)",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [.. Registries.Architectures.ListedNames],
        };
        var compare = new Command("compare", "Train architectures on the same window and compare them with the single-task and logistic yardsticks.") { model, day, architectures, tolerance, seeds, summary, history };
        compare.SetAction((r, ct) => LabVerbs.CompareAsync(r.GetValue(model)!, DataDays.Parse(r.GetValue(day)!), OperatorCommands.Split(r.GetValue(architectures)!), r.GetValue(tolerance), r.GetValue(seeds), r.GetValue(summary), r.GetValue(history), ct));
        var balancers = new Option<string[]>("--balancers")
        {
            Description = "Loss balancers to compare (comma-separated)",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [.. Registries.Balancers.Names],
        };
        var architecture = new Option<string?>("--architecture") { Description = "Architecture (default: the profile's)" };
        var balance = new Command("balance", "Train one architecture with several loss balancers and compare them with the single-task and logistic yardsticks.") { model, day, architecture, balancers, tolerance, seeds, summary, history };
        balance.SetAction((r, ct) => LabVerbs.BalanceAsync(r.GetValue(model)!, DataDays.Parse(r.GetValue(day)!), r.GetValue(architecture), OperatorCommands.Split(r.GetValue(balancers)!), r.GetValue(tolerance), r.GetValue(seeds), r.GetValue(summary), r.GetValue(history), ct));
        var moveTolerance = new Option<double>("--tolerance") { Description = "Relative loss change that counts as a move", DefaultValueFactory = _ => 0.01 };
        var relatedness = new Command("relatedness", "Train on one task's loss only and watch whether the other task's loss falls too.") { model, day, moveTolerance };
        relatedness.SetAction((r, ct) => LabVerbs.RelatednessAsync(r.GetValue(model)!, DataDays.Parse(r.GetValue(day)!), r.GetValue(moveTolerance), ct));
        var from = new Option<string>("--from") { Description = "First held-out day, yyyy-MM-dd", Required = true };
        var until = new Option<string>("--until") { Description = "Last held-out day, yyyy-MM-dd", Required = true };
        var driftModel = OperatorCommands.Model();
        var drift = new Command("drift", "Each feature's PSI between each held-out day of a range and its training window, as validate measures it.") { driftModel, from, until };
        drift.SetAction((r, ct) => LabVerbs.DriftAsync(r.GetValue(driftModel)!, DataDays.Parse(r.GetValue(from)!), DataDays.Parse(r.GetValue(until)!), ct));
        return [compare, balance, relatedness, drift];
    }

    private static Command CorrelatedTasks()
    {
        var correlations = new Option<double[]>("--correlations") { Description = "Task correlations p", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [1.0, 0.9, 0.8, 0.5] };
        var samples = new Option<int>("--samples") { Description = "Training samples per correlation", DefaultValueFactory = _ => 10_000 };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs", DefaultValueFactory = _ => 10 };
        var repeats = new Option<int>("--repeats") { Description = "Seeds to average over", DefaultValueFactory = _ => 3 };
        var command = new Command("correlated-tasks", "The MMoE paper's synthetic study: final loss per architecture per task correlation.") { correlations, samples, epochs, repeats };
        command.SetAction(r => Benchmarks.CorrelatedTasks(r.GetValue(correlations)!, r.GetValue(samples), r.GetValue(epochs), r.GetValue(repeats)));
        return command;
    }

    private static Option<string[]> Tasks() => new("--tasks") { DefaultValueFactory = _ => ["2"] };

    private static int[] TaskCounts(string[] given) =>
    [
        .. OperatorCommands.Split(given).Select(t => int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1
            ? n : throw new ArgumentException($"--tasks takes task counts of 1 or more, comma-separated (e.g. 2,3); '{t}' is not one.")),
    ];

    private static Option<int> Steps() => new("--steps") { Description = "Timed training steps per measurement", DefaultValueFactory = _ => 20 };

    private static Command Throughput()
    {
        var steps = Steps();
        var tasks = Tasks();
        tasks.Description = "Task counts each architecture is measured with (comma-separated; 2 is ctr and cvr, more a longer chain)";
        var command = new Command("throughput", "Training samples per second per architecture at batch 256, 1024 and 4096, against a large matrix multiply.") { steps, tasks };
        command.SetAction(r => Benchmarks.Throughput(r.GetValue(steps), TaskCounts(r.GetValue(tasks)!)));
        return command;
    }

    private static Command BalancerCost()
    {
        var steps = Steps();
        var architecture = new Option<string>("--architecture") { Description = "Architecture to time the balancers on", DefaultValueFactory = _ => Registries.Architectures.Default.Name };
        var batchSize = new Option<int>("--batch-size") { Description = "Batch size", DefaultValueFactory = _ => 1024 };
        var tasks = new Option<int>("--tasks") { Description = "Number of tasks (2 is ctr and cvr, more a longer chain)", DefaultValueFactory = _ => 2 };
        var command = new Command("balancers", "Per-step cost of each loss balancer relative to Fixed on the same model and batch.") { architecture, batchSize, steps, tasks };
        command.SetAction(r => Benchmarks.Balancers(r.GetValue(architecture)!, r.GetValue(batchSize), r.GetValue(steps), r.GetValue(tasks)));
        return command;
    }

    private static Command Gate()
    {
        var (model, day) = (OperatorCommands.Model(), OperatorCommands.Day());
        var resamples = new Option<int>("--resamples") { Description = "Bootstrap resamples of the held-out day", DefaultValueFactory = _ => 200 };
        var shuffle = new Option<string>("--shuffle") { Description = "Categorical feature shuffled in the planted candidate's training", DefaultValueFactory = _ => "item_id" };
        var seeds = new Option<int>("--seeds") { Description = "Same-set-up candidates, each trained with another seed", DefaultValueFactory = _ => 4 };
        var command = new Command("gate", "Approval rate of same-set-up candidates and rejection rate of planted worse ones, over resampled held-out days.") { model, day, resamples, seeds, shuffle };
        command.SetAction((r, ct) => Benchmarks.GateAsync(r.GetValue(model)!, DataDays.Parse(r.GetValue(day)!), r.GetValue(resamples), r.GetValue(seeds), r.GetValue(shuffle)!, ct));
        return command;
    }

    private static Command Extract()
    {
        var (model, day) = (OperatorCommands.Model(), OperatorCommands.Day());
        var rounds = new Option<int>("--rounds") { Description = "Timed rounds of each, after a warm-up", DefaultValueFactory = _ => 3 };
        var command = new Command("extract", "Extraction of a model's training window against the plain binary COPY of the same query, read and discarded.") { model, day, rounds };
        command.SetAction((r, ct) => Benchmarks.ExtractAsync(r.GetValue(model)!, DataDays.Parse(r.GetValue(day)!), r.GetValue(rounds), ct));
        return command;
    }

    private static Command Nightly()
    {
        var model = OperatorCommands.Model();
        var sizes = new Option<string>("--sizes") { Description = "Impressions per day to measure (comma-separated)", DefaultValueFactory = _ => "300000,1000000" };
        var day = new Option<string?>("--day") { Description = "The attempt's day (default: the nightly day)" };
        var seed = Seed();
        var command = new Command("nightly", "Per size, a scratch database seeded and one nightly attempt in its own process: seconds per step, extraction against plain COPY, training samples/s, peak RSS.") { model, day, sizes, seed };
        command.SetAction((r, ct) => Benchmarks.NightlyAsync(r.GetValue(model)!, ParseDay(r.GetValue(day)), ParseCounts(r.GetValue(sizes)!, "--sizes", "impressions per day"), r.GetValue(seed), ct));
        return command;
    }

    private static Command LatentTerms()
    {
        var sizes = new Option<string>("--impressions") { Description = "Training impressions to learn from (comma-separated)", DefaultValueFactory = _ => "1800000,6000000" };
        var defaults = new LatentTermsSettings();
        var epochs = new Option<int>("--epochs") { Description = "SGD epochs over each", DefaultValueFactory = _ => defaults.Epochs };
        var rate = new Option<double>("--learning-rate") { Description = "SGD step size η", DefaultValueFactory = _ => defaults.LearningRate };
        var l2 = new Option<double>("--l2") { Description = "L2 penalty λ on the factors", DefaultValueFactory = _ => defaults.L2 };
        var scale = new Option<double>("--scale") { Description = "The factors start uniform in ±scale/2", DefaultValueFactory = _ => defaults.Scale };
        var rank = new Option<int>("--rank") { Description = "Factors per user and per item", DefaultValueFactory = _ => defaults.Rank };
        var seed = Seed();
        var command = new Command("latent-terms", "How much of the synthetic world's latent user × item click term a factorisation learns from N impressions, everything else given.")
        {
            sizes, epochs, seed, rate, l2, scale, rank,
        };
        command.SetAction(r => Benchmarks.LatentTerms(ParseCounts(r.GetValue(sizes)!, "--impressions", "impressions"), defaults with
        {
            WorldSeed = r.GetValue(seed), Epochs = r.GetValue(epochs), LearningRate = r.GetValue(rate),
            L2 = r.GetValue(l2), Scale = r.GetValue(scale), Rank = r.GetValue(rank),
        }));
        return command;
    }

    private static Command Dashboard()
    {
        var concurrencies = new Option<string>("--concurrency") { Description = "Requests in flight at once, per round (comma-separated)", DefaultValueFactory = _ => "50,100,200" };
        var requests = new Option<int>("--requests") { Description = "Requests per round", DefaultValueFactory = _ => 1000 };
        var timeout = new Option<int>("--timeout") { Description = "Seconds a request may take before it counts as an error", DefaultValueFactory = _ => 60 };
        var command = new Command("dashboard", "serve under load: p50/p99 and errors of /hangfire/models at each concurrency, against a static file of the dashboard.") { concurrencies, requests, timeout };
        command.SetAction((r, ct) => Benchmarks.DashboardAsync(ParseCounts(r.GetValue(concurrencies)!, "--concurrency", "requests in flight"), r.GetValue(requests), r.GetValue(timeout), ct));
        return command;
    }

    private static DateOnly? ParseDay(string? text) => text is null ? null : DataDays.Parse(text);

    private static int[] ParseCounts(string text, string option, string what) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArgumentException($"{option} takes positive whole numbers of {what}, comma-separated; '{t}' is not one."))
            .ToArray();
}
