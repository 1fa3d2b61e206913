using System.CommandLine;
using Batch.Core.Days;

namespace Batch.Host.Cli;

/// <summary>
/// The product's command line, <c>batch</c>: the operator's verbs, grouped by what they act on — the runs of a model,
/// its production, and the service itself. The lab's verbs (synthetic worlds, studies, benchmarks) are <c>batch-lab</c>'s.
/// </summary>
public static class OperatorCommands
{
    /// <summary>Print the whole exception of a failure, stack trace included.</summary>
    public static readonly Option<bool> Verbose = new("--verbose") { Description = "On failure, print the full error with its stack trace", Recursive = true };

    /// <summary>The model profile a verb acts on.</summary>
    public static Option<string> Model() => new("--model") { Description = "Model profile name (Batch:Models:<name>)", DefaultValueFactory = _ => "ranker" };

    /// <summary>The data day a verb acts on.</summary>
    public static Option<string> Day() => new("--day") { Description = "Data day, yyyy-MM-dd, in the business time zone", Required = true };

    public static RootCommand Build()
    {
        var root = new RootCommand("Batch: nightly retraining of multi-task CTR/CVR ranking models.") { Verbose };
        foreach (var command in Runs().Concat(Production()).Concat(Service())) root.Subcommands.Add(command);
        return root;
    }

    /// <summary>run, rerun, backfill, status: attempts of (model, day).</summary>
    private static IEnumerable<Command> Runs()
    {
        var (model, day) = (Model(), Day());
        var wait = new Option<bool>("--wait") { Description = "Wait for the job and print its outcome" };
        var immature = new Option<bool>("--allow-immature-labels")
        {
            Description = "Train on a day whose conversion window has not closed (its labels may still change); recorded on the run",
        };
        var run = new Command("run", "Run the pipeline for one (model, day) in this process.") { model, day, immature };
        run.SetAction((r, ct) => Verbs.RunAsync(r.GetValue(model)!, DataDays.Parse(r.GetValue(day)!), r.GetValue(immature), ct));
        var rerun = new Command("rerun", "Enqueue a new attempt of (model, day) on the gpu queue.") { model, day, wait, immature };
        rerun.SetAction((r, ct) => Verbs.RerunAsync(r.GetValue(model)!, DataDays.Parse(r.GetValue(day)!), r.GetValue(wait), r.GetValue(immature), ct));
        var from = new Option<string>("--from") { Description = "First day, yyyy-MM-dd", Required = true };
        var until = new Option<string>("--until") { Description = "Last day, yyyy-MM-dd", Required = true };
        var backfill = new Command("backfill", "Enqueue the days of a range in order, each after the previous one finished.") { model, from, until, immature };
        backfill.SetAction((r, ct) => Verbs.BackfillAsync(r.GetValue(model)!, DataDays.Parse(r.GetValue(from)!), DataDays.Parse(r.GetValue(until)!), r.GetValue(immature), ct));
        var status = new Command("status", "List the runs of a model from the ledger, and every production move.") { model };
        status.SetAction((r, ct) => Verbs.StatusAsync(r.GetValue(model)!, ct));
        return [run, rerun, backfill, status];
    }

    /// <summary>rollback, promote, reconcile, score: what serves, and what it serves.</summary>
    private static IEnumerable<Command> Production()
    {
        var (model, day) = (Model(), Day());
        var to = new Option<string?>("--to") { Description = "Version to put back in production (default: the one before the current)" };
        var rollback = new Command("rollback", "Point production back at an earlier version, recorded in the ledger.") { model, to };
        rollback.SetAction((r, ct) => Verbs.RollbackAsync(r.GetValue(model)!, r.GetValue(to), ct));
        var version = new Option<string>("--version") { Description = "An approved version of the model", Required = true };
        var promote = new Command("promote", "Point production at an approved version, recorded in the ledger; also settles a pointer the ledger disagrees with.") { model, version };
        promote.SetAction((r, ct) => Verbs.PromoteAsync(r.GetValue(model)!, r.GetValue(version)!, ct));
        var deleteOrphans = new Option<bool>("--delete-orphans") { Description = "Also delete the version folders in storage that no ledger row records" };
        var reconcile = new Command("reconcile", "Compare the production pointer with the ledger; settle what a recorded intent explains, fail on anything else; list version folders the ledger does not record.") { model, deleteOrphans };
        reconcile.SetAction((r, ct) => Verbs.ReconcileAsync(r.GetValue(model)!, r.GetValue(deleteOrphans), ct));
        var scoreVersion = new Option<string?>("--version") { Description = "An approved version (default: the one in production)" };
        var scoreOut = new Option<string>("--out") { Description = "CSV file to write: impression_id,p_ctr,p_cvr,p_ctcvr", Required = true };
        var score = new Command("score", "Score every impression of a day with a published version and write the scores to a CSV file.") { model, scoreVersion, day, scoreOut };
        score.SetAction((r, ct) => Verbs.ScoreAsync(r.GetValue(model)!, r.GetValue(scoreVersion), DataDays.Parse(r.GetValue(day)!), r.GetValue(scoreOut)!, ct));
        return [rollback, promote, reconcile, score];
    }

    /// <summary>migrate, serve, worker, plugins: the service and what it is built from.</summary>
    private static IEnumerable<Command> Service()
    {
        var migrate = new Command("migrate", "Apply pending database migrations.");
        migrate.SetAction((_, ct) => Verbs.MigrateAsync(ct));
        var workers = new Option<int>("--workers") { Description = "Hangfire worker threads", DefaultValueFactory = _ => 1 };
        var urls = new Option<string>("--urls") { Description = "Where the dashboard listens", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var allowNoJobs = new Option<bool>("--allow-no-jobs") { Description = "Start even when Batch:JobsDirectory is missing or holds no job (every recurring job is then removed)" };
        var serveQueues = Queues("default");
        var serve = new Command("serve", "Dashboard at /hangfire, recurring jobs from jobs/, and a worker on the default queue.") { serveQueues, workers, urls, allowNoJobs };
        serve.SetAction((r, ct) => Verbs.ServeAsync(Split(r.GetValue(serveQueues)!), r.GetValue(workers), r.GetValue(urls)!, r.GetValue(allowNoJobs), ct));
        var workerQueues = Queues("gpu");
        var worker = new Command("worker", "A Hangfire worker (the GPU machine runs `worker --queues gpu`).") { workerQueues, workers };
        worker.SetAction((r, ct) => Verbs.WorkerAsync(Split(r.GetValue(workerQueues)!), r.GetValue(workers), ct));
        var model = Model();
        var plugins = new Command("plugins", "List the architectures, interaction layers and loss balancers, each with its settings as the profile gives them (* the profile's choice).") { model };
        plugins.SetAction(r => Verbs.Plugins(r.GetValue(model)!));
        return [migrate, serve, worker, plugins];
    }

    /// <summary>The Hangfire queues a process works, comma-separated or as several tokens.</summary>
    private static Option<string[]> Queues(string fallback) =>
        new("--queues") { Description = "Hangfire queues to work (comma-separated)", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [fallback] };

    /// <summary>Values given comma-separated, or as several tokens, or both.</summary>
    public static string[] Split(string[] given)
    {
        ArgumentNullException.ThrowIfNull(given);
        return given.SelectMany(q => q.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
    }
}
