using Batch.Core.Results;

namespace Batch.Evaluation;

public static class TaskEvaluator
{
    /// <summary>AUC and logloss of one task's probabilities against its labels.</summary>
    public static TaskMetrics Evaluate(string task, ReadOnlySpan<float> probabilities, ReadOnlySpan<bool> labels)
    {
        var positives = 0;
        foreach (var l in labels) if (l) positives++;
        return new TaskMetrics(task, Metrics.Auc(probabilities, labels), Metrics.LogLoss(probabilities, labels), labels.Length, positives);
    }
}
