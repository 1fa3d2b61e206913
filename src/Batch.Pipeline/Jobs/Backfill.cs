using System.Linq.Expressions;
using Batch.Core.Days;
using Hangfire;
using Hangfire.States;

namespace Batch.Pipeline.Jobs;

/// <summary>Retraining of a range of days, in order.</summary>
public static class Backfill
{
    /// <summary>
    /// Enqueues one retraining per day, each a continuation of the day before (whatever its outcome): every day
    /// gates against the model the previous day left in production, so the days never run side by side.
    /// </summary>
    /// <returns>the job ids, first day first</returns>
    public static IReadOnlyList<string> Enqueue(IBackgroundJobClient client, string model, DateOnly first, DateOnly last, bool allowImmatureLabels = false)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (last < first) throw new ArgumentException($"The last day {last:yyyy-MM-dd} is before the first {first:yyyy-MM-dd}.");
        var ids = new List<string>();
        for (var day = first; day <= last; day = day.AddDays(1))
        {
            var text = DataDays.Format(day);
            Expression<Func<RetrainJob, Task>> retrain = job => job.RunAsync(model, text, allowImmatureLabels, null, CancellationToken.None);
            ids.Add(ids.Count == 0
                ? client.Enqueue(retrain)
                : client.ContinueJobWith(ids[^1], retrain, new EnqueuedState(RetrainJob.Queue), JobContinuationOptions.OnAnyFinishedState));
        }
        return ids;
    }
}
