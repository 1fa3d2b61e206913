using Batch.Pipeline.Ledger;
using Batch.Core.Days;
using Batch.Pipeline.Runs;
using Hangfire;
using Hangfire.Server;

namespace Batch.Pipeline.Jobs;

/// <summary>
/// The Hangfire job that retrains one (model, day). It runs on the <c>gpu</c> queue; its arguments are the
/// model and the day (and whether the day may be trained before its labels are final), so the dashboard's Requeue
/// of a failed job is a re-run of that day.
/// </summary>
public sealed class RetrainJob(RetrainPipeline pipeline)
{
    public const string Queue = "gpu";

    /// <summary>Enqueues a retraining of (model, day) on the gpu queue; returns the job's id.</summary>
    public static string Enqueue(IBackgroundJobClient client, string model, DateOnly day, bool allowImmatureLabels = false)
    {
        ArgumentNullException.ThrowIfNull(client);
        var text = DataDays.Format(day);
        return client.Enqueue<RetrainJob>(job => job.RunAsync(model, text, allowImmatureLabels, null, CancellationToken.None));
    }

    /// <summary>As enqueued before the label-maturity flag existed: a job of then runs under the rule.</summary>
    [Queue(Queue)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Retrain {0} for {1}")]
    public Task<string> RunAsync(string model, string day, PerformContext? context, CancellationToken ct) =>
        RunAsync(model, day, allowImmatureLabels: false, context, ct);

    // Hangfire retries would hide a failed day behind new attempts; an operator re-runs it deliberately.
    [Queue(Queue)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Retrain {0} for {1}")]
    public async Task<string> RunAsync(string model, string day, bool allowImmatureLabels, PerformContext? context, CancellationToken ct)
    {
        var outcome = await pipeline.RunAsync(model, DataDays.Parse(day), "hangfire", context?.BackgroundJob.Id, allowImmatureLabels, ct).ConfigureAwait(false);
        return $"run {outcome.RunId} attempt {outcome.Attempt}: {outcome.Status.Text()}, version {outcome.Version} ({(outcome.Promoted ? "promoted" : "not promoted")}); {outcome.Gate.Verdict}";
    }
}
