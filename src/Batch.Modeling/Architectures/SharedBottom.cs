using Batch.Core.Options;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>Hard parameter sharing (Caruana, 1997): one bottom network for all tasks, one tower per task.</summary>
public sealed class SharedBottom : MultiTaskNetwork
{
    private readonly FeatureInput input;
    private readonly Mlp bottom;
    private readonly TaskTowers towers;

    public SharedBottom(ArchitectureContext context) : base(nameof(SharedBottom), context.Tasks)
    {
        input = context.NewInput();
        bottom = new Mlp(input.OutputDim, context.Options.ExpertHidden, context.Options.Dropout);
        towers = new TaskTowers(context.Tasks, bottom.OutputDim, context.Options.TowerHidden, context.Options.Dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor indices, Tensor values)
    {
        var shared = bottom.call(input.call(indices, values));     // [batch, hidden]
        return towers.call(Enumerable.Repeat(shared, Tasks).ToArray()); // [batch, tasks]
    }

    public override IEnumerable<Parameter> SharedParameters() => input.parameters().Concat(bottom.parameters());

    public override IEnumerable<Parameter> TaskParameters(int task) => towers.Of(task);
}

/// <summary>Registers <see cref="SharedBottom"/>.</summary>
public sealed class SharedBottomPlugin : IArchitecturePlugin
{
    public string Name => "shared-bottom";
    public string Summary => "one bottom network, one tower per task";
    public int Order => 10;
    public IEnumerable<string> Problems(ArchitectureOptions options) => DeepSizes.Problems(options);
    public MultiTaskNetwork Create(ArchitectureContext context) => new SharedBottom(context);
}
