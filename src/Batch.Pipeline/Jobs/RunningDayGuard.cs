using Hangfire.States;
using Hangfire.Storage;

namespace Batch.Pipeline.Jobs;

/// <summary>
/// Refuses to requeue a retraining job while it is processing: Hangfire would cancel the running attempt (its
/// token fires) and start the day again. The job stays processing, and its history says why the requeue was
/// refused; a finished or failed job is requeued as usual.
/// </summary>
public sealed class RunningDayGuard : IElectStateFilter
{
    public const string Refused = "Requeue refused: this day's attempt is still running; it was not cancelled. Requeue it once it has finished.";

    public void OnStateElection(ElectStateContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.CandidateState is not EnqueuedState || context.CurrentState != ProcessingState.StateName) return;
        if (context.BackgroundJob.Job?.Type != typeof(RetrainJob)) return;
        var current = context.Connection.GetStateData(context.BackgroundJob.Id);
        if (current?.Data is null || !current.Data.ContainsKey("ServerId") || !current.Data.ContainsKey("WorkerId")) return;
        // Processing again, on the same server and worker: the running attempt goes on and its worker still owns the job.
        context.CandidateState = new StillProcessing(current.Data);
    }

    /// <summary>The processing state the job is in, elected again with the refusal as its reason.</summary>
    private sealed class StillProcessing(IDictionary<string, string> data) : IState
    {
        public string Name => ProcessingState.StateName;
        public string Reason => Refused;
        public bool IsFinal => false;
        public bool IgnoreJobLoadException => false;

        public Dictionary<string, string> SerializeData() => new(data);
    }
}
