using Batch.Core.Options;
using Batch.Modeling.Plugins;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>One-gate mixture of experts (the OMoE baseline of Ma et al., KDD 2018): one gate mixes the experts for every task.</summary>
public sealed class Omoe : MultiTaskNetwork
{
    [ComponentName(Name = "input")]
    private readonly FeatureInput _input;
    [ComponentName(Name = "experts")]
    private readonly ModuleList<Mlp> _experts;
    [ComponentName(Name = "gate")]
    private readonly Linear _gate;
    [ComponentName(Name = "towers")]
    private readonly TaskTowers _towers;

    public Omoe(ArchitectureContext context, int expertCount) : base(nameof(Omoe), context.Tasks)
    {
        _input = context.NewInput();
        _experts = context.NewExperts(_input.OutputDim, expertCount);
        _gate = nn.Linear(_input.OutputDim, expertCount);
        _towers = new TaskTowers(context.Tasks, _experts[0].OutputDim, context.Options.TowerHidden, context.Options.Dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor indices, Tensor values)
    {
        var x = _input.call(indices, values);                                        // [batch, features]
        var mixed = Mix("gate", _gate, x, _experts.Select(e => e.call(x)).ToList());  // [batch, out]
        return _towers.call(Enumerable.Repeat(mixed, Tasks).ToArray());              // [batch, tasks]
    }

    public override IEnumerable<Parameter> SharedParameters() =>
        _input.parameters().Concat(_experts.parameters()).Concat(_gate.parameters());

    public override IEnumerable<Parameter> TaskParameters(int task) => _towers.Of(task);
}

/// <summary>Registers <see cref="Omoe"/>.</summary>
public sealed class OmoePlugin : IArchitecturePlugin
{
    public string Name => "omoe";
    public string Summary => "Experts experts mixed by one gate for all tasks";
    public Type? SettingsType => typeof(ExpertPoolSettings);
    public int Order => 20;

    public IEnumerable<string> Problems(ArchitectureOptions options) => DeepSizes.With<ExpertPoolSettings>(Name, options);

    public MultiTaskNetwork Create(ArchitectureContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new Omoe(context, context.Options.Settings.Read<ExpertPoolSettings>(Name).Experts);
    }
}
