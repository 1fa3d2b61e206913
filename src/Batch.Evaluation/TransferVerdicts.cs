namespace Batch.Evaluation;

/// <summary>How a multi-task model fared against its baselines (single-task models, or production), in the survey's terms.</summary>
public enum TransferVerdict
{
    /// <summary>Every task improved.</summary>
    WellDone,

    /// <summary>No task got worse and at least one improved.</summary>
    Acceptable,

    /// <summary>Some tasks improved, some got worse.</summary>
    SeeSaw,

    /// <summary>Every task got worse.</summary>
    NegativeTransfer,

    /// <summary>No task moved by more than the tolerance: none of the survey's four.</summary>
    Neutral,

    /// <summary>Some tasks got worse, the others did not move: none of the survey's four either.</summary>
    SomeWorse,
}

/// <summary>How one task moved against its baseline.</summary>
public enum TaskMove
{
    Better,
    Level,
    Worse,
}

public static class TransferVerdicts
{
    /// <summary>
    /// Compares per-task scores where higher is better (AUC): a task is up when it beats its baseline by more than
    /// <paramref name="tolerance"/>, down when it trails by more than that.
    /// </summary>
    public static TransferVerdict Classify(IReadOnlyList<(double Candidate, double Baseline)> tasks, double tolerance)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        if (tasks.Count == 0) throw new ArgumentException("A verdict needs at least one task.");
        ArgumentOutOfRangeException.ThrowIfNegative(tolerance);
        return FromMoves(tasks.Count(t => t.Candidate - t.Baseline > tolerance), tasks.Count(t => t.Baseline - t.Candidate > tolerance), tasks.Count);
    }

    /// <summary>
    /// The verdict from how many of <paramref name="tasks"/> tasks went up and how many went down: the survey's four
    /// outcomes exactly as defined (negative transfer is every task worse), and the two combinations they leave out.
    /// </summary>
    public static TransferVerdict FromMoves(int up, int down, int tasks)
    {
        if (tasks < 1 || up < 0 || down < 0 || up + down > tasks) throw new ArgumentException($"{up} up and {down} down out of {tasks} tasks is not a count of moves.");
        return (up, down) switch
        {
            _ when up == tasks => TransferVerdict.WellDone,
            _ when down == tasks => TransferVerdict.NegativeTransfer,
            (> 0, 0) => TransferVerdict.Acceptable,
            (> 0, > 0) => TransferVerdict.SeeSaw,
            (0, > 0) => TransferVerdict.SomeWorse,
            _ => TransferVerdict.Neutral,
        };
    }

    public static string Describe(TransferVerdict verdict) => verdict switch
    {
        TransferVerdict.WellDone => "well done",
        TransferVerdict.Acceptable => "acceptable",
        TransferVerdict.SeeSaw => "see-saw",
        TransferVerdict.NegativeTransfer => "negative transfer",
        TransferVerdict.SomeWorse => "worse on some tasks, level on the rest",
        _ => "neutral",
    };

    /// <summary>
    /// The verdict over named tasks: one of the survey's four where it applies, otherwise the combination itself, task by
    /// task ("ctr worse, ctcvr level"), so that nothing reads as an outcome it is not.
    /// </summary>
    public static string Describe(IReadOnlyList<(string Task, TaskMove Move)> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        var verdict = FromMoves(tasks.Count(t => t.Move == TaskMove.Better), tasks.Count(t => t.Move == TaskMove.Worse), tasks.Count);
        return verdict is TransferVerdict.SomeWorse or TransferVerdict.Neutral
            ? string.Join(", ", tasks.Select(t => $"{t.Task} {t.Move switch { TaskMove.Better => "better", TaskMove.Worse => "worse", _ => "level" }}"))
            : Describe(verdict);
    }
}
