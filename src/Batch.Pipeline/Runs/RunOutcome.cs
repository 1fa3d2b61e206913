using Batch.Core.Results;

namespace Batch.Pipeline.Runs;

/// <summary>What one attempt of (model, day) produced. Failed attempts throw instead.</summary>
public sealed record RunOutcome(
    long RunId,
    string Model,
    DateOnly Day,
    int Attempt,
    string Status,
    IReadOnlyList<TaskMetrics> Metrics,
    IReadOnlyList<TaskMetrics>? ProductionMetrics,
    string? ProductionVersion,
    GateDecision Gate,
    string Version,
    bool Promoted);

/// <summary>The source data of a day cannot be trained or scored on; the message lists what to fix.</summary>
public sealed class DataValidationException(string message) : Exception(message);
