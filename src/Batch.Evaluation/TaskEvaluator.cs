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

    /// <summary>RMSE and MAE of one regression's predictions against its values (AUC and logloss NaN).</summary>
    public static TaskMetrics EvaluateRegression(string task, ReadOnlySpan<float> predictions, ReadOnlySpan<float> values)
    {
        var positives = 0;
        foreach (var v in values) if (v > 0) positives++;
        return new TaskMetrics(task, double.NaN, double.NaN, values.Length, positives)
        {
            Rmse = Metrics.Rmse(predictions, values),
            Mae = Metrics.Mae(predictions, values),
        };
    }

    /// <summary>The metrics of one output's scores: a probability's, or a regression's.</summary>
    public static TaskMetrics Evaluate(TaskScores scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        return scores.Values is { } values
            ? EvaluateRegression(scores.Task, scores.Probabilities, values)
            : Evaluate(scores.Task, scores.Probabilities, scores.Labels);
    }
}
