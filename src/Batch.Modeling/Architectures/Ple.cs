using Batch.Core.Options;
using Batch.Modeling.Plugins;
using static TorchSharp.torch;
using TorchSharp.Modules;
using TorchSharp.Utils;

namespace Batch.Modeling.Architectures;

/// <summary>
/// Progressive Layered Extraction (Tang et al., RecSys 2020): stacked CGC levels over the feature input, then
/// one tower per task. With one level it is CGC. With <c>TaskEmbeddings</c> each task's specific experts of the
/// first level read a feature input (embedding tables, interaction layer) of the task's own, and the shared experts
/// the shared one, as in STEM (Su et al., AAAI 2024): a task whose gradients are small (the rare conversions) is not
/// left with tables the other task has shaped alone.
/// </summary>
public sealed class Ple : MultiTaskNetwork
{
    [ComponentName(Name = "input")]
    private readonly FeatureInput _input;
    [ComponentName(Name = "task_inputs")]
    private readonly ModuleList<FeatureInput> _taskInputs; // empty without TaskEmbeddings
    [ComponentName(Name = "levels")]
    private readonly ModuleList<CgcLevel> _levels;
    [ComponentName(Name = "towers")]
    private readonly TaskTowers _towers;

    public Ple(ArchitectureContext context, int levels, CgcSettings experts) : base(nameof(Ple), context.Tasks)
    {
        ArgumentNullException.ThrowIfNull(experts);
        var o = context.Options;
        _input = context.NewInput();
        _taskInputs = new ModuleList<FeatureInput>(experts.TaskEmbeddings ? [.. Enumerable.Range(0, context.Tasks).Select(_ => context.NewInput())] : []);
        var width = _input.OutputDim;
        var built = new List<CgcLevel>();
        for (var l = 0; l < levels; l++)
        {
            var level = new CgcLevel(context.Tasks, width, experts.SpecificExperts, experts.SharedExperts, o.ExpertHidden, hasSharedGate: l < levels - 1, o.Dropout);
            built.Add(level);
            width = level.OutputDim;
        }
        _levels = new ModuleList<CgcLevel>([.. built]);
        _towers = new TaskTowers(context.Tasks, width, o.TowerHidden, o.Dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor indices, Tensor values)
    {
        var x = _input.call(indices, values);                    // [batch, features]
        // Level 1: every input is the feature input, or each task's its own and the shared experts' the shared one.
        var states = _taskInputs.Count == 0
            ? Enumerable.Repeat(x, Tasks + 1).ToArray()
            : [.. _taskInputs.Select(i => i.call(indices, values)), x];
        for (var l = 0; l < _levels.Count; l++)
        {
            var level = l;
            states = _levels[l].Forward(states, (gate, layer, gateInput, experts) => Mix($"level{level}.{gate}", layer, gateInput, experts));
        }
        return _towers.call(states[..Tasks]);                    // [batch, tasks]
    }

    /// <remarks>
    /// Below the top level, a task's specific experts also feed the shared gate and so reach every task:
    /// only the top level's specific experts and gate, and the tower, belong to one task — and with one level (CGC),
    /// the task's own feature input.
    /// </remarks>
    public override IEnumerable<Parameter> TaskParameters(int task) =>
        _levels[^1].TaskParameters(task).Concat(_towers.Of(task)).Concat(_levels.Count == 1 && _taskInputs.Count > 0 ? _taskInputs[task].parameters() : []);

    /// <summary>Each task's input: the task's own with <c>TaskEmbeddings</c>, else the one every task shares.</summary>
    public override IReadOnlyList<FeatureInput> TaskInputs() => _taskInputs.Count == 0 ? base.TaskInputs() : [.. _taskInputs];

    public override IEnumerable<Parameter> SharedParameters()
    {
        var own = Enumerable.Range(0, Tasks).SelectMany(TaskParameters).ToHashSet(ReferenceEqualityComparer.Instance);
        return parameters().Where(p => !own.Contains(p));
    }
}

/// <summary>The settings of CGC: the experts each level has.</summary>
public class CgcSettings : IPluginSettings
{
    /// <summary>Experts owned by each task, per level.</summary>
    public int SpecificExperts { get; set; } = 1;

    /// <summary>Experts every task shares, per level.</summary>
    public int SharedExperts { get; set; } = 1;

    /// <summary>
    /// Each task's specific experts of the first level read embedding tables (and interaction layer) of the task's own;
    /// the shared experts read the shared ones.
    /// </summary>
    public bool TaskEmbeddings { get; set; }

    public virtual IEnumerable<string> Problems()
    {
        if (SpecificExperts < 1) yield return "SpecificExperts must be at least 1";
        if (SharedExperts < 1) yield return "SharedExperts must be at least 1";
    }
}

/// <summary>The settings of PLE: CGC's, and how many levels are stacked.</summary>
public sealed class PleSettings : CgcSettings
{
    /// <summary>Extraction levels (CGC is one).</summary>
    public int Levels { get; set; } = 2;

    public override IEnumerable<string> Problems()
    {
        if (Levels < 1) yield return "Levels must be at least 1";
        foreach (var problem in base.Problems()) yield return problem;
    }
}

/// <summary>Registers CGC: one level of <see cref="Ple"/>.</summary>
public sealed class CgcPlugin : IArchitecturePlugin
{
    public string Name => "cgc";
    public string Summary => "one CGC level: per-task experts + shared experts, a gate per task (Tang et al., RecSys 2020)";
    public Type? SettingsType => typeof(CgcSettings);
    public int Order => 40;
    public IEnumerable<string> Problems(ArchitectureOptions options) => DeepSizes.With<CgcSettings>(Name, options);

    public MultiTaskNetwork Create(ArchitectureContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new Ple(context, levels: 1, context.Options.Settings.Read<CgcSettings>(Name));
    }
}

/// <summary>Registers <see cref="Ple"/>, the default architecture.</summary>
public sealed class PlePlugin : IArchitecturePlugin
{
    public const string Id = "ple";
    public string Name => Id;
    public string Summary => "Levels CGC levels with a shared gate below the top level";
    public Type? SettingsType => typeof(PleSettings);
    public int Order => 50;
    public bool IsDefault => true;

    public IEnumerable<string> Problems(ArchitectureOptions options) => DeepSizes.With<PleSettings>(Name, options);

    public MultiTaskNetwork Create(ArchitectureContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = context.Options.Settings.Read<PleSettings>(Name);
        return new Ple(context, settings.Levels, settings);
    }
}
