using Batch.Data.Validation;
using Batch.Core.Results;

namespace Batch.Pipeline.Runs;

/// <summary>What one attempt of (model, day) produced. Failed attempts throw instead.</summary>
public sealed record RunOutcome(
    long RunId,
    string Model,
    DateOnly Day,
    int Attempt,
    Batch.Pipeline.Ledger.RunStatus Status,
    IReadOnlyList<TaskMetrics> Metrics,
    IReadOnlyList<TaskMetrics>? ProductionMetrics,
    string? ProductionVersion,
    GateDecision Gate,
    string Version,
    bool Promoted);

/// <summary>The source data of a day cannot be trained or scored on; the message lists what to fix.</summary>
public sealed class DataValidationException(string model, DateOnly day, IReadOnlyList<ValidationFinding> findings) : Exception(
    $"Source data for {model} on {day:yyyy-MM-dd} failed validation, so nothing was trained or published: {string.Join("; ", findings)}. " +
    $"Fix the source rows, then re-run the day: batch rerun --model {model} --day {day:yyyy-MM-dd}")
{
    public IReadOnlyList<ValidationFinding> Findings { get; } = findings;
}
