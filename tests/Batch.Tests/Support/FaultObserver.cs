using Batch.Pipeline.Ledger;
using Batch.Pipeline.Runs;

namespace Batch.Tests.Support;

/// <summary>
/// Breaks something at a chosen moment of a run, once: when a step starts, when its work is done (before the
/// ledger records it), or at a progress report. The action runs on the run's own thread, so the run waits for it.
/// </summary>
public sealed class FaultObserver : IRunObserver
{
    private enum Moment { Started, WorkDone, Progress }

    private readonly Func<Moment, string, RunProgress?, bool> _when;
    private readonly Action<RunRecord> _fault;
    private int _fired;

    private FaultObserver(Func<Moment, string, RunProgress?, bool> when, Action<RunRecord> fault)
    {
        _when = when;
        _fault = fault;
    }

    public bool Fired => Volatile.Read(ref _fired) == 1;

    /// <summary>At the first progress report of <paramref name="step"/> that <paramref name="at"/> accepts.</summary>
    public static FaultObserver AtProgress(string step, Func<RunProgress, bool> at, Action<RunRecord> fault) =>
        new((m, s, p) => m == Moment.Progress && s == step && at(p!), fault);

    /// <summary>When the work of <paramref name="step"/> is done, before the ledger records it.</summary>
    public static FaultObserver WhenDone(string step, Action<RunRecord> fault) => new((m, s, _) => m == Moment.WorkDone && s == step, fault);

    /// <summary>When <paramref name="step"/> starts.</summary>
    public static FaultObserver WhenStarted(string step, Action<RunRecord> fault) => new((m, s, _) => m == Moment.Started && s == step, fault);

    public void StepStarted(RunRecord run, string stepName) => Fire(run, Moment.Started, stepName, null);

    public void WorkDone(RunRecord run, string stepName) => Fire(run, Moment.WorkDone, stepName, null);

    public void Progress(RunRecord run, RunProgress progress) => Fire(run, Moment.Progress, progress.Step, progress);

    private void Fire(RunRecord run, Moment moment, string step, RunProgress? progress)
    {
        if (Fired || !_when(moment, step, progress)) return;
        if (Interlocked.Exchange(ref _fired, 1) == 1) return;
        _fault(run);
    }
}
