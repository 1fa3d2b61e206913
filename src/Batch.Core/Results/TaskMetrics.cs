namespace Batch.Core.Results;

/// <summary>Offline metrics of one task on one evaluation day.</summary>
public sealed record TaskMetrics(string Task, double Auc, double LogLoss, int Count, int Positives);

/// <summary>The gate's answer: a result, never an exception.</summary>
public sealed record GateDecision(bool Approved, string Verdict, IReadOnlyList<string> Reasons);
