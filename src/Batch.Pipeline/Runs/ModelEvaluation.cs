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
        var scores = new Scores(model);
        scores.Add(frame, encoded ?? model.Encoders.Encode(frame));
        return scores.Result();
    }

    /// <summary>The same over a day read in parts (in row order): each part encoded and scored, then let go; only the scores and labels are kept.</summary>
    public static (IReadOnlyList<TaskScores> Scores, ModelDiagnostics Diagnostics) Score(MultiTaskModel model, IEnumerable<DayFrame> parts)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(parts);
        var scores = new Scores(model);
        var encoder = new FrameEncoder(model.Encoders);
        foreach (var part in parts) scores.Add(part, encoder.Encode(part));
        return scores.Result();
    }

    /// <summary>Scores and labels gathered part by part.</summary>
    private sealed class Scores(MultiTaskModel model)
    {
        private readonly GateUsage _usage = new();
        private readonly List<float> _ctr = [];
        private readonly List<float> _ctcvr = [];
        private readonly List<bool> _clicked = [];
        private readonly List<bool> _converted = [];
        private readonly List<float> _cvr = [];
        private readonly List<bool> _cvrLabels = [];

        public void Add(DayFrame frame, EncodedFrame encoded)
        {
            var p = Scorer.Predict(model, encoded, _usage);
            _ctr.AddRange(p["ctr"]);
            _ctcvr.AddRange(p["ctcvr"]);
            _clicked.AddRange(frame.Clicked);
            _converted.AddRange(frame.Converted);
            for (var i = 0; i < frame.Count; i++)
            {
                if (!frame.Clicked[i]) continue;
                _cvr.Add(p["cvr"][i]);
                _cvrLabels.Add(frame.Converted[i]);
            }
        }

        public (IReadOnlyList<TaskScores> Scores, ModelDiagnostics Diagnostics) Result() =>
        (
            [
                new("ctr", [.. _ctr], [.. _clicked]),
                new("cvr", [.. _cvr], [.. _cvrLabels]),
                new("ctcvr", [.. _ctcvr], [.. _converted]),
            ],
            new ModelDiagnostics(_usage.Means(), model.Network.OpenRouteFraction())
        );
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
