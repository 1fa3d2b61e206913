using Batch.Core.Results;

namespace Batch.Evaluation.Reports;

/// <summary>
/// One training epoch as the report plots it: mean loss per task by the name it is computed on, weight per task (in
/// the same order), gradient cosine, conflict rate.
/// </summary>
public sealed record EpochSummary(int Epoch, IReadOnlyDictionary<string, double> Losses, IReadOnlyList<double> Weights, double? GradientCosine, double? ConflictRate)
{
    public IReadOnlyDictionary<string, double>? ValidationLosses { get; init; }
}

/// <summary>Everything a run report shows.</summary>
public sealed record ReportInput(
    string Model,
    string Version,
    DateOnly Day,
    string? ProductionVersion,
    IReadOnlyList<TaskMetrics> Metrics,
    IReadOnlyList<TaskMetrics>? ProductionMetrics,
    GateDecision Gate,
    IReadOnlyList<EpochSummary> History,
    ModelDiagnostics Diagnostics,
    IReadOnlyList<TaskScores> Scores,
    IReadOnlyList<TaskScores>? ProductionScores);

/// <summary>One file of a report: its name within the report folder, its bytes and its content type.</summary>
public sealed record ReportFile(string Name, byte[] Content, string ContentType);
