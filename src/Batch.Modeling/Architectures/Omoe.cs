using Batch.Core.Options;
using Batch.Modeling.Plugins;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>One-gate mixture of experts (the OMoE baseline of Ma et al., KDD 2018): one gate mixes the experts for every task.</summary>
public sealed class Omoe : MultiTaskNetwork
{
    private readonly FeatureInput input;
    private readonly ModuleList<Mlp> experts;
    private readonly Linear gate;
    private readonly TaskTowers towers;

    public Omoe(ArchitectureContext context, int expertCount) : base(nameof(Omoe), context.Tasks)
    {
        input = context.NewInput();
        experts = context.NewExperts(input.OutputDim, expertCount);
        gate = nn.Linear(input.OutputDim, expertCount);
        towers = new TaskTowers(context.Tasks, experts[0].OutputDim, context.Options.TowerHidden, context.Options.Dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor indices, Tensor values)
    {
        var x = input.call(indices, values);                                        // [batch, features]
        var mixed = Mix("gate", gate, x, experts.Select(e => e.call(x)).ToList());  // [batch, out]
        return towers.call(Enumerable.Repeat(mixed, Tasks).ToArray());              // [batch, tasks]
    }

    public override IEnumerable<Parameter> SharedParameters() =>
        input.parameters().Concat(experts.parameters()).Concat(gate.parameters());

    public override IEnumerable<Parameter> TaskParameters(int task) => towers.Of(task);
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
