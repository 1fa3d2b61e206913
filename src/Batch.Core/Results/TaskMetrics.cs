namespace Batch.Core.Results;

/// <summary>Offline metrics of one task on one evaluation day.</summary>
public sealed record TaskMetrics(string Task, double Auc, double LogLoss, int Count, int Positives);

