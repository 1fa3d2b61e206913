using Batch.Core.Options;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>Hard parameter sharing (Caruana, 1997): one bottom network for all tasks, one tower per task.</summary>
public sealed class SharedBottom : MultiTaskNetwork
{
    [ComponentName(Name = "input")]
    private readonly FeatureInput _input;
    [ComponentName(Name = "bottom")]
    private readonly Mlp _bottom;
    [ComponentName(Name = "towers")]
    private readonly TaskTowers _towers;

    public SharedBottom(ArchitectureContext context) : base(nameof(SharedBottom), context.Tasks)
    {
        _input = context.NewInput();
        _bottom = new Mlp(_input.OutputDim, context.Options.ExpertHidden, context.Options.Dropout);
        _towers = new TaskTowers(context.Tasks, _bottom.OutputDim, context.Options.TowerHidden, context.Options.Dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor indices, Tensor values)
    {
        var shared = _bottom.call(_input.call(indices, values));     // [batch, hidden]
        return _towers.call(Enumerable.Repeat(shared, Tasks).ToArray()); // [batch, tasks]
    }

    public override IEnumerable<Parameter> SharedParameters() => _input.parameters().Concat(_bottom.parameters());

    public override IEnumerable<Parameter> TaskParameters(int task) => _towers.Of(task);
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
