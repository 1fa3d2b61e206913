using Batch.Core.Frames;
using Batch.Core.Options;
using Batch.Core.Results;
using Batch.Evaluation;
using Batch.Modeling.Features;
using Batch.Modeling.Training;

namespace Batch.Pipeline.Runs;

/// <summary>Scores a model on a day and measures it per task.</summary>
public static class ModelEvaluation
{
    /// <summary>
    /// Every output of the model's tasks against its labels (for today's tasks: ctr and ctcvr over every impression, cvr
    /// over clicked impressions); gate usage over the day.
    /// </summary>
    /// <param name="encoded">the frame already encoded with the model's encoders, when the caller has it</param>
    public static (IReadOnlyList<TaskScores> Scores, ModelDiagnostics Diagnostics) Score(MultiTaskModel model, DayFrame frame, EncodedFrame? encoded = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(frame);
        var scores = new Scores(model);
        scores.Add(encoded ?? model.Encoders.Encode(frame, model.Tasks));
        return scores.Result();
    }

    /// <summary>The same on rows already encoded with the model's encoders and targets.</summary>
    public static (IReadOnlyList<TaskScores> Scores, ModelDiagnostics Diagnostics) Score(MultiTaskModel model, EncodedFrame encoded)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(encoded);
        var scores = new Scores(model);
        scores.Add(encoded);
        return scores.Result();
    }

    /// <summary>The same over a day read in parts (in row order): each part encoded and scored, then let go; only the scores and labels are kept.</summary>
    public static (IReadOnlyList<TaskScores> Scores, ModelDiagnostics Diagnostics) Score(MultiTaskModel model, IEnumerable<DayFrame> parts)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(parts);
        var scores = new Scores(model);
        var encoder = new FrameEncoder(model.Encoders, model.Tasks);
        foreach (var part in parts) scores.Add(encoder.Encode(part));
        return scores.Result();
    }

    /// <summary>Scores and labels gathered part by part, per output of the model's tasks.</summary>
    private sealed class Scores
    {
        private readonly MultiTaskModel _model;
        private readonly GateUsage _usage = new();
        private readonly (string Name, int Task, int? Among)[] _measured;
        private readonly List<float>[] _scores;
        private readonly List<float>[] _labels; // 0/1, or a regression's value

        public Scores(MultiTaskModel model)
        {
            _model = model;
            _measured = Measured(model.Tasks);
            _scores = [.. _measured.Select(_ => new List<float>())];
            _labels = [.. _measured.Select(_ => new List<float>())];
        }

        public void Add(EncodedFrame encoded)
        {
            var p = Scorer.Predict(_model, encoded, _usage);
            for (var m = 0; m < _measured.Length; m++)
            {
                var (name, task, among) = _measured[m];
                var scores = p[name];
                for (var i = 0; i < encoded.Rows; i++)
                {
                    if (among is { } parent && encoded.Target(i, parent) <= 0) continue;
                    _scores[m].Add(scores[i]);
                    var target = encoded.Target(i, task);
                    _labels[m].Add(_model.Tasks.Tasks[task].IsRegression ? (float)TaskOptions.ValueScale(target) : target > 0 ? 1 : 0);
                }
            }
        }

        public (IReadOnlyList<TaskScores> Scores, ModelDiagnostics Diagnostics) Result() =>
        (
            [.. _measured.Select((m, k) => _model.Tasks.Tasks[m.Task].IsRegression
                ? TaskScores.Regression(m.Name, [.. _scores[k]], [.. _labels[k]])
                : new TaskScores(m.Name, [.. _scores[k]], [.. _labels[k].Select(l => l > 0)]))],
            new ModelDiagnostics(_usage.Means(), _model.Network.OpenRouteFraction())
        );
    }

    /// <summary>
    /// What is measured, in the order of <see cref="TaskSet.Outputs"/>: every task's own probability against its label
    /// (a chained task's among its parent's events: CVR among clicks) or a regression's value against the true one,
    /// then every chain product against the task's label over all impressions (CTCVR).
    /// </summary>
    private static (string Name, int Task, int? Among)[] Measured(TaskSet tasks)
    {
        var chained = Enumerable.Range(0, tasks.Count).Where(t => tasks.ParentOf(t) is not null);
        return
        [
            .. Enumerable.Range(0, tasks.Count).Select(t => (tasks.Tasks[t].Name, t, tasks.ParentOf(t))),
            .. chained.Select(t => (tasks.LossNames[t], t, (int?)null)),
        ];
    }

    /// <summary>AUC and logloss of each probability's scores; RMSE and MAE of each regression's.</summary>
    public static List<TaskMetrics> Measure(IReadOnlyList<TaskScores> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        return scores.Select(TaskEvaluator.Evaluate).ToList();
    }

    public static (List<TaskMetrics> Metrics, ModelDiagnostics Diagnostics) Evaluate(MultiTaskModel model, DayFrame frame, EncodedFrame? encoded = null)
    {
        var (scores, diagnostics) = Score(model, frame, encoded);
        return (Measure(scores), diagnostics);
    }
}
