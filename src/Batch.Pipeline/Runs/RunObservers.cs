using Batch.Pipeline.Ledger;

namespace Batch.Pipeline.Runs;

/// <summary>How far a running step has got: rows read so far, or the epoch and batch of training.</summary>
public sealed record RunProgress(string Step, long Rows = 0, int Epoch = 0, int Batch = 0);

/// <summary>
/// Watches attempts as they run, in the attempt's own thread: each step as it starts, its work done before the
/// ledger records it, and progress within a step. Register one as a service to follow runs.
/// </summary>
public interface IRunObserver
{
    void StepStarted(RunRecord run, string stepName) { }

    void WorkDone(RunRecord run, string stepName) { }

    void Progress(RunRecord run, RunProgress progress) { }
}

/// <summary>All registered observers, called in order.</summary>
public sealed class RunObservers(IEnumerable<IRunObserver> observers)
{
    private readonly IRunObserver[] _all = [.. observers];

    public void StepStarted(RunRecord run, string step)
    {
        foreach (var o in _all) o.StepStarted(run, step);
    }

    public void WorkDone(RunRecord run, string step)
    {
        foreach (var o in _all) o.WorkDone(run, step);
    }

    public void Progress(RunRecord run, RunProgress progress)
    {
        foreach (var o in _all) o.Progress(run, progress);
    }
}
