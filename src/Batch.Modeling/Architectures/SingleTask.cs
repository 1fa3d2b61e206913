using Batch.Core.Options;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>The yardstick: one independent network (input, bottom, tower) per task; nothing is shared.</summary>
public sealed class SingleTask : MultiTaskNetwork
{
    [ComponentName(Name = "inputs")]
    private readonly ModuleList<FeatureInput> _inputs;
    [ComponentName(Name = "bottoms")]
    private readonly ModuleList<Mlp> _bottoms;
    [ComponentName(Name = "towers")]
    private readonly TaskTowers _towers;

    public SingleTask(ArchitectureContext context) : base(nameof(SingleTask), context.Tasks)
    {
        _inputs = new ModuleList<FeatureInput>(Enumerable.Range(0, context.Tasks).Select(_ => context.NewInput()).ToArray());
        _bottoms = new ModuleList<Mlp>(_inputs.Select(i => new Mlp(i.OutputDim, context.Options.ExpertHidden, context.Options.Dropout)).ToArray());
        _towers = new TaskTowers(context.Tasks, _bottoms[0].OutputDim, context.Options.TowerHidden, context.Options.Dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor indices, Tensor values) =>
        _towers.call(Enumerable.Range(0, Tasks).Select(t => _bottoms[t].call(_inputs[t].call(indices, values))).ToArray());

    public override IEnumerable<Parameter> SharedParameters() => [];

    public override IEnumerable<Parameter> TaskParameters(int task) =>
        _inputs[task].parameters().Concat(_bottoms[task].parameters()).Concat(_towers.Of(task));
}

/// <summary>Registers <see cref="SingleTask"/>.</summary>
public sealed class SingleTaskPlugin : IArchitecturePlugin
{
    public const string Id = "single-task";
    public string Name => Id;
    public string Summary => "one independent network per task (the yardstick)";
    public int Order => 0;
    public bool ListedByDefault => false;
    public IEnumerable<string> Problems(ArchitectureOptions options) => DeepSizes.Problems(options);
    public MultiTaskNetwork Create(ArchitectureContext context) => new SingleTask(context);
}
