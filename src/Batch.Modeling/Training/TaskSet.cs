using Batch.Core.Options;
using static TorchSharp.torch;

namespace Batch.Modeling.Training;

/// <summary>
/// The tasks a model is trained on, as the network's logits [batch, tasks] are read: a binary task's logit is its
/// probability's (given its <c>Given</c> task's event, for a chained one), a regression task's logit is its value's
/// log1p. A chained task is trained over all impressions through the product of its chain's probabilities
/// (ESMM, Ma et al., SIGIR 2018; ESM², Wen et al., SIGIR 2020), which is also its entire-space output.
/// </summary>
public sealed class TaskSet
{
    private const double Epsilon = 1e-7;
    private readonly int[] _parent;   // −1 for none
    private readonly float[] _weights;

    /// <param name="clickedColumn">the impressions' clicked column as the source maps it: a label naming it is the frame's clicked label</param>
    public TaskSet(IReadOnlyList<TaskOptions> tasks, string clickedColumn = "clicked")
    {
        ArgumentNullException.ThrowIfNull(tasks);
        var problems = TaskOptions.Problems(tasks).ToList();
        if (problems.Count > 0) throw new ArgumentException($"The tasks cannot be trained: {string.Join("; ", problems)}.", nameof(tasks));
        Tasks = [.. tasks];
        _parent = [.. tasks.Select(t => t.Given is null ? -1 : IndexOf(t.Given))];
        _weights = [.. tasks.Select(t => (float)(t.Weight ?? 1))];
        LossNames = [.. tasks.Select(t => t.OutputName(tasks))];
        Outputs = TaskOptions.Outputs(tasks);
        LabelKeys = [.. tasks.Select(t => t.LabelKey(clickedColumn))];
        ExtraLabels = Core.Frames.LabelKeys.Extra(tasks, clickedColumn);
    }

    /// <summary>The tasks a profile trains (<see cref="ModelProfile.EffectiveTasks"/>), their labels as its source maps them.</summary>
    public static TaskSet Of(ModelProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return new TaskSet(profile.EffectiveTasks, profile.Source.Impressions.Clicked);
    }

    /// <summary>Each task's label in a frame (<see cref="Core.Frames.LabelKeys"/>), in task order.</summary>
    public IReadOnlyList<string> LabelKeys { get; }

    /// <summary>The labels besides clicked and converted that a frame must carry for these tasks.</summary>
    public IReadOnlyList<Core.Frames.ExtraLabel> ExtraLabels { get; }

    /// <summary>ctr, and cvr given ctr with its product ctcvr: the model a profile without tasks trains.</summary>
    public static TaskSet Default { get; } = new(TaskOptions.Defaults());

    public IReadOnlyList<TaskOptions> Tasks { get; }
    public int Count => Tasks.Count;

    /// <summary>What each task's loss is computed on: the task's name, or its chain product's.</summary>
    public IReadOnlyList<string> LossNames { get; }

    /// <summary>The columns of <see cref="Predict"/>: every task's own output, then every chain product.</summary>
    public IReadOnlyList<string> Outputs { get; }

    public int IndexOf(string task)
    {
        for (var t = 0; t < Tasks.Count; t++)
            if (Tasks[t].Name == task) return t;
        throw new ArgumentException($"There is no task '{task}'; the tasks are {string.Join(", ", Tasks.Select(t => t.Name))}.", nameof(task));
    }

    /// <summary>The task a chained task is given, or null.</summary>
    public int? ParentOf(int task) => _parent[task] < 0 ? null : _parent[task];

    /// <summary>What a label value is trained towards: 0/1 for a binary task, log1p of the value for a regression.</summary>
    /// <exception cref="InvalidDataException">A regression's value is negative or not a number: log1p needs a value of 0 or more.</exception>
    public float Target(int task, double label)
    {
        if (!Tasks[task].IsRegression) return label > 0 ? 1f : 0f;
        if (!(label >= 0) || double.IsInfinity(label))
            throw new InvalidDataException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"Task '{Tasks[task].Name}' is a regression on log1p of its value, which must be a number of 0 or more; a row has {label}. Fix the label's source, or map it through a view that keeps values of 0 or more."));
        return (float)TaskOptions.TrainedScale(label);
    }

    /// <summary>Every task's output, [batch] each, in task order: its probability (given its parent) or its value's log1p.</summary>
    private Tensor[] Own(Tensor logits) =>
        [.. Enumerable.Range(0, Count).Select(t => Tasks[t].IsRegression ? logits[.., t] : logits[.., t].sigmoid())];

    /// <summary>The entire-space output of every task: the product over its chain for a binary task, its own for a regression.</summary>
    private Tensor[] EntireSpace(Tensor[] own)
    {
        var whole = new Tensor[Count];
        for (var t = 0; t < Count; t++) whole[t] = _parent[t] < 0 ? own[t] : whole[_parent[t]] * own[t];
        return whole;
    }

    /// <summary>
    /// Every output of <see cref="Outputs"/>, [batch] each: every task's own (a probability, or the predicted value
    /// for a regression, expm1 of its logit and at least 0), then every chain product.
    /// </summary>
    public IReadOnlyList<Tensor> Predict(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        var own = Own(logits);
        var whole = EntireSpace(own);
        return [.. own.Select((o, t) => Tasks[t].IsRegression ? o.expm1().clamp_min(0) : o), .. Enumerable.Range(0, Count).Where(t => _parent[t] >= 0).Select(t => whole[t])];
    }

    /// <summary>
    /// Every task's loss over all impressions of the batch, each times the task's weight: binary cross-entropy of its
    /// entire-space probability against its label, or the squared error of a regression's log1p value.
    /// </summary>
    /// <param name="targets">[batch, tasks], as <see cref="Target"/> makes them</param>
    public Tensor[] Losses(Tensor logits, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        var whole = EntireSpace(Own(logits));
        var losses = new Tensor[Count];
        for (var t = 0; t < Count; t++)
        {
            var target = targets[.., t];
            var loss = Tasks[t].IsRegression
                ? nn.functional.mse_loss(whole[t], target)
                : nn.functional.binary_cross_entropy(whole[t].Clamped(Epsilon, 1 - Epsilon), target);
            losses[t] = _weights[t] == 1 ? loss : loss * _weights[t];
        }
        return losses;
    }

    /// <summary>
    /// The logit each task starts at so its output stands at its base rate: logit of the label's rate (among its
    /// parent's events, for a chained task), or the mean target of a regression.
    /// </summary>
    /// <param name="targetSums">every task's targets summed over <paramref name="rows"/> rows</param>
    public double[] BaseRateLogits(IReadOnlyList<double> targetSums, long rows)
    {
        ArgumentNullException.ThrowIfNull(targetSums);
        var shifts = new double[Count];
        for (var t = 0; t < Count; t++)
        {
            if (Tasks[t].IsRegression) { shifts[t] = targetSums[t] / rows; continue; }
            var among = _parent[t] < 0 ? rows : targetSums[_parent[t]];
            var events = targetSums[t];
            if (events <= 0 || events >= among)
                throw new ArgumentException(
                    $"Training:StartAtBaseRates needs both outcomes of every binary task in the training frame; task '{Tasks[t].Name}' has {events} events among {among} {(_parent[t] < 0 ? "impressions" : $"'{Tasks[_parent[t]].Name}' events")} ({rows} impressions in all).");
            shifts[t] = Math.Log(events / (among - events));
        }
        return shifts;
    }

    /// <summary>One value per task (in task order) keyed by the name its loss is computed on (<see cref="LossNames"/>).</summary>
    public IReadOnlyDictionary<string, double> ByLossName(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return LossNames.Select((name, t) => (name, values[t])).ToDictionary();
    }

    /// <summary>The tasks judged by the gate.</summary>
    public IEnumerable<int> MainTasks => Enumerable.Range(0, Count).Where(t => Tasks[t].IsMain);
}
