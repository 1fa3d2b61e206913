using System.ComponentModel.DataAnnotations;

namespace Batch.Core.Options;

/// <summary>Everything that defines one nightly model: features, architecture, training and gate.</summary>
public sealed class ModelProfile
{
    /// <summary>The user's impression and conversion relations, as they are named.</summary>
    public SourceOptions Source { get; set; } = new();
    public FeatureOptions Features { get; set; } = new();
    public ArchitectureOptions Architecture { get; set; } = new();
    public TrainingOptions Training { get; set; } = new();
    public GateOptions Gate { get; set; } = new();
    public ValidationOptions Validation { get; set; } = new();

    /// <summary>
    /// The objectives the model is trained on, in order (a task's <c>Given</c> comes before it). Empty: today's model,
    /// <see cref="TaskOptions.Defaults"/> — ctr from the clicked column, cvr given ctr from the conversions (ctcvr).
    /// </summary>
    public List<TaskOptions> Tasks { get; set; } = [];

    /// <summary>The tasks trained: <see cref="Tasks"/>, or the defaults when it names none.</summary>
    public IReadOnlyList<TaskOptions> EffectiveTasks => Tasks.Count == 0 ? TaskOptions.Defaults(Source.Impressions.Clicked) : Tasks;

    /// <summary>
    /// The outputs the gate judges: <see cref="GateOptions.Tasks"/>, or every main task's entire-space output (its
    /// chain product for a chained task: ctr and ctcvr for the defaults).
    /// </summary>
    public IReadOnlyList<string> JudgedOutputs
    {
        get
        {
            if (Gate.Tasks.Count > 0) return Gate.Tasks;
            var tasks = EffectiveTasks;
            return [.. tasks.Where(t => t.IsMain).Select(t => t.OutputName(tasks))];
        }
    }

    /// <summary>Days before the evaluated day that the model trains on.</summary>
    [Range(1, 365)]
    public int TrainingDays { get; set; } = 7;

    /// <summary>
    /// What is wrong with the profile's own settings. The named parts (architecture, balancer, interaction layer)
    /// are checked by their plug-ins, which this library does not know.
    /// </summary>
    public IEnumerable<string> Problems()
    {
        var problems = new List<string>();
        if (Features.Categorical.Count + Features.Numeric.Count == 0) problems.Add("no features");
        problems.AddRange(Features.Problems());
        problems.AddRange(Source.Problems());
        if (Training.ValidationDays >= TrainingDays) problems.Add($"Training:ValidationDays ({Training.ValidationDays}) must leave days to train on (TrainingDays {TrainingDays})");
        if (TrainingDays < 1) problems.Add("TrainingDays must be at least 1");
        problems.AddRange(Architecture.Problems());
        problems.AddRange(Training.Problems());
        problems.AddRange(Gate.Problems());
        problems.AddRange(Validation.Problems());
        problems.AddRange(TaskProblems());
        return problems;
    }

    /// <summary>The tasks' own problems, the event relations their labels name, and the outputs the gate names.</summary>
    private IEnumerable<string> TaskProblems()
    {
        var tasks = EffectiveTasks;
        var own = TaskOptions.Problems(tasks).ToList();
        foreach (var problem in own) yield return problem;
        for (var i = 0; i < tasks.Count; i++)
        {
            if (tasks[i].Label.Event is { } name && Source.Event(name) is null)
                yield return $"Tasks:{i}:Label:Event '{name}' names no event relation: declare it as Source:Events:{name} (Table, ImpressionId, Time), or use '{SourceOptions.ConversionsEvent}'";
        }
        if (own.Count > 0) yield break;
        foreach (var output in Gate.Tasks)
        {
            var task = tasks.FirstOrDefault(t => t.Name == output || t.OutputName(tasks) == output);
            if (task is null)
                yield return $"Gate:Tasks names '{output}', which is no task's output (the outputs: {string.Join(", ", TaskOptions.Outputs(tasks))})";
            else if (!task.IsMain)
                yield return $"Gate:Tasks names '{output}' of the auxiliary task '{task.Name}': auxiliary tasks are trained and reported, never gated";
        }
    }
}

/// <summary>Which multi-task architecture, and its sizes.</summary>
public sealed class ArchitectureOptions
{
    /// <summary>The architecture's registered name; empty for the default one.</summary>
    public string Name { get; set; } = "";
    public int EmbeddingDim { get; set; } = 8;

    /// <summary>
    /// The standard deviation of the normal distribution the embedding tables start from: 1 is PyTorch's default;
    /// small values (0.01–0.1, as recommender models use) start every field's inner products near zero.
    /// </summary>
    public double EmbeddingInitStd { get; set; } = 0.3;

    /// <summary>The default <see cref="ExpertHidden"/>, where a profile names none.</summary>
    public static IReadOnlyList<int> DefaultExpertHidden { get; } = [64, 32];

    /// <summary>The default <see cref="TowerHidden"/>, where a profile names none.</summary>
    public static IReadOnlyList<int> DefaultTowerHidden { get; } = [16];

    // Lists start empty: the configuration binder appends to a list that already has items. An empty one takes its
    // default when the profile is resolved (ProfileRules.ApplyDefaults).

    /// <summary>Hidden sizes of every expert, bottom network or sub-network the architecture builds; default 64, 32.</summary>
    public List<int> ExpertHidden { get; set; } = [];

    /// <summary>Hidden sizes of each task tower; default 16. A profile cannot name none: the configuration binder cannot tell an empty list from no list.</summary>
    public List<int> TowerHidden { get; set; } = [];

    /// <summary>
    /// The interaction layer's registered name (a layer between the field embeddings and the architecture); empty
    /// for the default one (<c>fm</c>).
    /// </summary>
    public string Interaction { get; set; } = "";

    /// <summary>
    /// The settings of the architectures and interaction layers, by name (<c>Settings:{name}:{setting}</c>): each
    /// reads its own with its own settings class. Those of other architectures than <see cref="Name"/> are used when
    /// the lab's studies train them with this profile's sizes.
    /// </summary>
    public PluginSettings Settings { get; set; } = new();

    /// <summary>Dropout after every hidden layer of the experts (bottoms, sub-networks) and towers; 0 for none.</summary>
    public double Dropout { get; set; }

    /// <summary>Adds the wide part (a linear term per task over the one-hot fields and numeric values) to any architecture.</summary>
    public bool Wide { get; set; } = true;

    /// <summary>
    /// Adds to each task's logit a linear term of its own over the architecture's input: the field embeddings, the
    /// numeric values and what the interaction layer appends.
    /// </summary>
    public bool Shortcut { get; set; } = true;

    /// <summary>The same sizes under another architecture name.</summary>
    public ArchitectureOptions Named(string name)
    {
        var copy = (ArchitectureOptions)MemberwiseClone();
        copy.Name = name;
        copy.ExpertHidden = [.. ExpertHidden];
        copy.TowerHidden = [.. TowerHidden];
        copy.Settings = Settings.Copy();
        return copy;
    }

    /// <summary>What is wrong with the sizes every architecture reads; each architecture checks its own.</summary>
    public IEnumerable<string> Problems()
    {
        if (EmbeddingDim < 1) yield return "EmbeddingDim must be at least 1";
        if (!(EmbeddingInitStd > 0) || !double.IsFinite(EmbeddingInitStd)) yield return "EmbeddingInitStd must be a positive number";
        if (Dropout is < 0 or >= 1) yield return "Dropout must be within [0, 1)";
    }
}

public sealed class TrainingOptions
{
    /// <summary>Epochs at most; with validation days, training stops earlier once the validation loss stops improving.</summary>
    public int Epochs { get; set; } = 20;
    public int BatchSize { get; set; } = 1024;
    public double LearningRate { get; set; } = 0.001;
    public long Seed { get; set; } = 17;

    /// <summary>How the per-task losses are combined.</summary>
    public BalancerOptions Balancer { get; set; } = new();

    /// <summary>
    /// Above 0: where a pass over the training frame at <see cref="BatchSize"/> would take fewer steps than this, the
    /// batch is halved until it takes at least this many (or is 1), and both weight decays shrink with it, so that an
    /// epoch decays the weights as much as at <see cref="BatchSize"/> (AdamW decays per step). A small window, on
    /// which a model learns all it can in its first epoch, then gets more steps from that epoch; a large one trains
    /// as set. 0: always <see cref="BatchSize"/>.
    /// </summary>
    public int MinStepsPerEpoch { get; set; } = 500;

    /// <summary>These settings for a training frame of <paramref name="rows"/> rows: <see cref="MinStepsPerEpoch"/> applied.</summary>
    public TrainingOptions ForRows(long rows)
    {
        if (MinStepsPerEpoch <= 0) return this;
        var batch = BatchSize;
        while (batch > 1 && (rows + batch - 1) / batch < MinStepsPerEpoch) batch /= 2;
        if (batch == BatchSize) return this;
        var copy = Copy();
        var scale = (double)batch / BatchSize;
        copy.BatchSize = batch;
        copy.WeightDecay = WeightDecay * scale;
        copy.EmbeddingWeightDecay = EmbeddingWeightDecay * scale;
        return copy;
    }

    /// <summary>A copy of these settings, its balancer settings copied too, to change without touching these.</summary>
    public TrainingOptions Copy()
    {
        var copy = (TrainingOptions)MemberwiseClone();
        copy.Balancer = Balancer.Named(Balancer.Name);
        return copy;
    }

    /// <summary>The same settings with another loss balancer (its settings kept).</summary>
    public TrainingOptions WithBalancer(string name)
    {
        var copy = Copy();
        copy.Balancer = Balancer.Named(name);
        return copy;
    }

    /// <summary>The same settings with another seed (initialisation and shuffling).</summary>
    public TrainingOptions WithSeed(long seed)
    {
        var copy = Copy();
        copy.Seed = seed;
        return copy;
    }

    /// <summary>
    /// The learning rate of the field embedding tables (not the wide part's); unset, <see cref="LearningRate"/>.
    /// Shared tables take every task's gradient, so a task with small losses moves them little.
    /// </summary>
    public double? EmbeddingLearningRate { get; set; } = 0.01;

    /// <summary>
    /// Each step updates only the embedding tables' rows in the batch (lazy AdamW), catching up the decays a row missed
    /// when it is next updated and before every validation, instead of every row of every table: a step's optimizer
    /// work follows the batch rather than the vocabularies. What is left out is the fading momentum the full update
    /// would keep applying to a row outside the batch. False updates every row every step.
    /// </summary>
    public bool LazyEmbeddingUpdates { get; set; }

    /// <summary>
    /// Each task's logit starts at its base rate on the training frame — the log-odds of the click rate, and of the
    /// conversion rate among clicks — instead of at 0 (probability one half): training spends no steps learning the
    /// rates. The bias of the wide part's numeric term takes it where there is a wide part, else each task head's bias.
    /// </summary>
    public bool StartAtBaseRates { get; set; } = true;

    /// <summary>Every this many steps, the cosine between the task gradients on the shared parameters is measured.</summary>
    public int DiagnosticsEvery { get; set; } = 20;

    /// <summary>Decoupled weight decay (AdamW) of the dense layers' weights.</summary>
    public double WeightDecay { get; set; }

    /// <summary>Decoupled weight decay of the embedding tables and the wide part's weights, set apart from the dense layers'.</summary>
    public double EmbeddingWeightDecay { get; set; } = 0.1;

    /// <summary>
    /// The last this many days of the training window are held out for validation: the model trains on the others,
    /// is measured on them after each epoch, stops when the validation loss has not improved for <see cref="Patience"/>
    /// epochs, and keeps the best weights. 0 trains on the whole window for <see cref="Epochs"/> epochs.
    /// </summary>
    public int ValidationDays { get; set; } = 1;

    /// <summary>Epochs without a better validation loss before training stops.</summary>
    public int Patience { get; set; } = 8;

    public IEnumerable<string> Problems()
    {
        if (WeightDecay < 0 || EmbeddingWeightDecay < 0) yield return "Training: weight decays must not be negative";
        if (ValidationDays < 0) yield return "Training:ValidationDays must not be negative";
        if (Patience < 1) yield return "Training:Patience must be at least 1";
        if (EmbeddingLearningRate is { } tables && !(tables > 0)) yield return "Training:EmbeddingLearningRate must be positive";
        if (Epochs < 1) yield return "Training:Epochs must be at least 1";
        if (BatchSize < 1) yield return "Training:BatchSize must be at least 1";
        if (MinStepsPerEpoch < 0) yield return "Training:MinStepsPerEpoch must not be negative (0 turns it off)";
        if (!(LearningRate > 0)) yield return "Training:LearningRate must be positive";
        if (DiagnosticsEvery < 0) yield return "Training:DiagnosticsEvery must not be negative (0 turns it off)";
    }
}

/// <summary>The loss balancer and its settings; only the named balancer's settings are read.</summary>
public sealed class BalancerOptions
{
    /// <summary>The balancer's registered name; empty for the default one.</summary>
    public string Name { get; set; } = "";

    public BalancerOptions Named(string name)
    {
        var copy = (BalancerOptions)MemberwiseClone();
        copy.Name = name;
        copy.Settings = Settings.Copy();
        return copy;
    }

    /// <summary>The settings of the balancers, by name (<c>Settings:{name}:{setting}</c>): each reads its own with its own settings class.</summary>
    public PluginSettings Settings { get; set; } = new();
}

/// <summary>
/// How far the held-out day may stray from the training window before it is taken for a broken load: its
/// impression count against the window's mean per day, and its click and conversion rates against the window's.
/// </summary>
public sealed class ValidationOptions
{
    public double MinVolumeRatio { get; set; } = 0.3;
    public double MaxVolumeRatio { get; set; } = 3.0;
    public double MinRateRatio { get; set; } = 0.33;
    public double MaxRateRatio { get; set; } = 3.0;

    /// <summary>Each training day's impressions must lie within this band around the window's median day.</summary>
    public double MinDayVolumeRatio { get; set; } = 0.3;
    public double MaxDayVolumeRatio { get; set; } = 3.0;

    /// <summary>
    /// The largest share of a day's impressions that may repeat another impression's content — its event time and every
    /// feature column — under another id: a day loaded twice has half its rows repeated.
    /// </summary>
    public double MaxDuplicateContentShare { get; set; } = 0.01;

    /// <summary>
    /// How much more of a day's impressions may have a categorical feature null than on the window's median day (an
    /// absolute share: 0.05 = five percentage points); a column nulled by a broken join is a broken load.
    /// </summary>
    public double MaxNullShareIncrease { get; set; } = 0.05;

    /// <summary>
    /// The largest population stability index of a feature between the held-out day and the training window (its
    /// window's 20 most frequent values, other values and null; or the day's deciles of a number, and missing).
    /// </summary>
    public double MaxFeaturePsi { get; set; } = 0.25;

    public IEnumerable<string> Problems()
    {
        if (!(MaxDuplicateContentShare >= 0 && MaxDuplicateContentShare < 1)) yield return "Validation:MaxDuplicateContentShare must lie within [0, 1)";
        if (!(MaxNullShareIncrease >= 0 && MaxNullShareIncrease <= 1)) yield return "Validation:MaxNullShareIncrease must lie within [0, 1]";
        if (!(MaxFeaturePsi > 0)) yield return "Validation:MaxFeaturePsi must be positive";
        if (!(MinDayVolumeRatio >= 0 && MinDayVolumeRatio < 1 && MaxDayVolumeRatio > 1)) yield return "Validation: need 0 <= MinDayVolumeRatio < 1 < MaxDayVolumeRatio";
        if (!(MinVolumeRatio >= 0 && MinVolumeRatio < 1 && MaxVolumeRatio > 1)) yield return "Validation: need 0 <= MinVolumeRatio < 1 < MaxVolumeRatio";
        if (!(MinRateRatio >= 0 && MinRateRatio < 1 && MaxRateRatio > 1)) yield return "Validation: need 0 <= MinRateRatio < 1 < MaxRateRatio";
    }
}

/// <summary>
/// When a candidate may replace production. Per judged task, the candidate is rejected when it is worse than
/// production by more than the practical margin (<see cref="MaxAucDrop"/>, <see cref="MaxLogLossIncrease"/>)
/// significantly: the one-sided test of "worse by more than the margin" at level <see cref="Alpha"/>, both
/// models being scored on the same held-out rows (DeLong for AUC, paired differences for logloss).
/// </summary>
public sealed class GateOptions
{
    public const string KeepProduction = "keep-production";
    public const string ApproveAnyway = "approve";

    /// <summary>Largest AUC drop against production tolerated on any task (absolute).</summary>
    public double MaxAucDrop { get; set; } = 0.01;

    /// <summary>Largest logloss rise against production tolerated on any task (relative, 0.02 = 2 %).</summary>
    public double MaxLogLossIncrease { get; set; } = 0.02;

    /// <summary>One-sided significance level of "worse by more than the margin" (and of "up"/"down" in the verdict).</summary>
    public double Alpha { get; set; } = 0.05;

    /// <summary>Largest rise of the mean squared error against production tolerated on a judged regression task (relative, 0.05 = 5 %).</summary>
    public double MaxSquaredErrorIncrease { get; set; } = 0.05;

    /// <summary>A judged task with fewer positives than this on the held-out day is not enough evidence.</summary>
    public int MinPositives { get; set; } = 50;

    /// <summary>What not enough evidence means: keep production (the run ends rejected, with that reason) or approve.</summary>
    public string OnInsufficientEvidence { get; set; } = KeepProduction;

    /// <summary>With no production model, every task's AUC must reach this.</summary>
    public double FirstModelAucFloor { get; set; } = 0.6;

    /// <summary>
    /// The outputs the gate judges, by name: a main task's own output or its chain product. For the default tasks
    /// <c>ctr</c> (pCTR vs click) and <c>ctcvr</c> (pCTCVR vs conversion) are measured on every impression; <c>cvr</c>
    /// (pCVR vs conversion among clicks) is reported too but rests on few examples. Empty means every main task's
    /// entire-space output (ctr and ctcvr for the defaults).
    /// </summary>
    public List<string> Tasks { get; set; } = [];

    public IReadOnlyList<string> JudgedTasks => Tasks.Count == 0 ? ["ctr", "ctcvr"] : Tasks;

    public IEnumerable<string> Problems()
    {
        if (MaxAucDrop < 0) yield return "Gate:MaxAucDrop must not be negative";
        if (MaxLogLossIncrease < 0) yield return "Gate:MaxLogLossIncrease must not be negative";
        if (!(MaxSquaredErrorIncrease >= 0)) yield return "Gate:MaxSquaredErrorIncrease must not be negative";
        if (Alpha is <= 0 or >= 0.5) yield return "Gate:Alpha must be within (0, 0.5)";
        if (MinPositives < 2) yield return "Gate:MinPositives must be at least 2";
        if (OnInsufficientEvidence is not (KeepProduction or ApproveAnyway))
            yield return $"Gate:OnInsufficientEvidence must be {KeepProduction} or {ApproveAnyway}";
        if (FirstModelAucFloor is < 0 or > 1) yield return "Gate:FirstModelAucFloor must be within [0, 1]";
    }
}
