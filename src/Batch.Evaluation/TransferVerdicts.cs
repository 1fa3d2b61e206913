namespace Batch.Evaluation;

/// <summary>How a multi-task model fared against its single-task baselines, in the survey's four outcomes.</summary>
public enum TransferVerdict
{
    /// <summary>Every task improved.</summary>
    WellDone,

    /// <summary>No task got worse and at least one improved.</summary>
    Acceptable,

    /// <summary>Some tasks improved, some got worse.</summary>
    SeeSaw,

    /// <summary>No task improved and at least one got worse (every task, in the survey's strict sense).</summary>
    NegativeTransfer,

    /// <summary>No task moved by more than the tolerance.</summary>
    Neutral,
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

    /// <summary>The verdict from how many of <paramref name="tasks"/> tasks went up and how many went down.</summary>
    public static TransferVerdict FromMoves(int up, int down, int tasks)
    {
        if (tasks < 1 || up < 0 || down < 0 || up + down > tasks) throw new ArgumentException($"{up} up and {down} down out of {tasks} tasks is not a count of moves.");
        return (up, down) switch
        {
            _ when up == tasks => TransferVerdict.WellDone,
            (> 0, 0) => TransferVerdict.Acceptable,
            (> 0, > 0) => TransferVerdict.SeeSaw,
            (0, > 0) => TransferVerdict.NegativeTransfer,
            _ => TransferVerdict.Neutral,
        };
    }

    public static string Describe(TransferVerdict verdict) => verdict switch
    {
        TransferVerdict.WellDone => "well done",
        TransferVerdict.Acceptable => "acceptable",
        TransferVerdict.SeeSaw => "see-saw",
        TransferVerdict.NegativeTransfer => "negative transfer",
        _ => "neutral",
    };
}
