using Batch.Core.Frames;
using Batch.Core.Results;
using Batch.Evaluation;
using Batch.Modeling.Features;
using Batch.Modeling.Training;

namespace Batch.Pipeline.Runs;

/// <summary>Scores a model on a day and measures it per task.</summary>
public static class ModelEvaluation
{
    /// <summary>ctr and ctcvr over every impression, cvr over clicked impressions; gate usage over the day.</summary>
    /// <param name="encoded">the frame already encoded with the model's encoders, when the caller has it</param>
    public static (IReadOnlyList<TaskScores> Scores, ModelDiagnostics Diagnostics) Score(MultiTaskModel model, DayFrame frame, EncodedFrame? encoded = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(frame);
        var usage = new GateUsage();
        var p = Scorer.Predict(model, encoded ?? model.Encoders.Encode(frame), usage);
        var clicked = Enumerable.Range(0, frame.Count).Where(i => frame.Clicked[i]).ToArray();
        List<TaskScores> scores =
        [
            new("ctr", p.Ctr, frame.Clicked),
            new("cvr", clicked.Select(i => p.Cvr[i]).ToArray(), clicked.Select(i => frame.Converted[i]).ToArray()),
            new("ctcvr", p.Ctcvr, frame.Converted),
        ];
        return (scores, new ModelDiagnostics(usage.Means(), model.Network.OpenRouteFraction()));
    }

    /// <summary>AUC and logloss of each task's scores.</summary>
    public static List<TaskMetrics> Measure(IReadOnlyList<TaskScores> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        return scores.Select(s => TaskEvaluator.Evaluate(s.Task, s.Probabilities, s.Labels)).ToList();
    }

    public static (List<TaskMetrics> Metrics, ModelDiagnostics Diagnostics) Evaluate(MultiTaskModel model, DayFrame frame, EncodedFrame? encoded = null)
    {
        var (scores, diagnostics) = Score(model, frame, encoded);
        return (Measure(scores), diagnostics);
    }
}
