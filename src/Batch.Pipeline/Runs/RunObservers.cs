using Batch.Pipeline.Ledger;

namespace Batch.Pipeline.Runs;

/// <summary>
/// How far a running step has got: <paramref name="Done"/> of <paramref name="Total"/> (0: not known) in
/// <paramref name="Unit"/> (rows read, samples trained), in <paramref name="Elapsed"/>; for training also the
/// epoch and batch.
/// </summary>
public sealed record RunProgress(string Step, long Done, long Total, string Unit, TimeSpan Elapsed, int Epoch = 0, int Epochs = 0, int Batch = 0, int Batches = 0)
{
    /// <summary>Units per second so far.</summary>
    public double Rate => Elapsed.TotalSeconds > 0 ? Done / Elapsed.TotalSeconds : 0;

    /// <summary>Time left at the rate so far, when the total is known.</summary>
    public TimeSpan? Remaining => Total > 0 && Rate > 0 ? TimeSpan.FromSeconds((Total - Done) / Rate) : null;
}

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
