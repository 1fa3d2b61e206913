using Batch.Core.Options;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>The yardstick: one independent network (input, bottom, tower) per task; nothing is shared.</summary>
public sealed class SingleTask : MultiTaskNetwork
{
    private readonly ModuleList<FeatureInput> inputs;
    private readonly ModuleList<Mlp> bottoms;
    private readonly TaskTowers towers;

    public SingleTask(ArchitectureContext context) : base(nameof(SingleTask), context.Tasks)
    {
        inputs = new ModuleList<FeatureInput>(Enumerable.Range(0, context.Tasks).Select(_ => context.NewInput()).ToArray());
        bottoms = new ModuleList<Mlp>(inputs.Select(i => new Mlp(i.OutputDim, context.Options.ExpertHidden, context.Options.Dropout)).ToArray());
        towers = new TaskTowers(context.Tasks, bottoms[0].OutputDim, context.Options.TowerHidden, context.Options.Dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor indices, Tensor values) =>
        towers.call(Enumerable.Range(0, Tasks).Select(t => bottoms[t].call(inputs[t].call(indices, values))).ToArray());

    public override IEnumerable<Parameter> SharedParameters() => [];

    public override IEnumerable<Parameter> TaskParameters(int task) =>
        inputs[task].parameters().Concat(bottoms[task].parameters()).Concat(towers.Of(task));
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
