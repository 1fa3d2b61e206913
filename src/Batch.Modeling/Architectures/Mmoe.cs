using Batch.Core.Options;
using Batch.Modeling.Plugins;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>
/// Multi-gate mixture of experts (Ma et al., KDD 2018): shared experts, and one softmax gate per task, so each
/// task can lean on different experts.
/// </summary>
public sealed class Mmoe : MultiTaskNetwork
{
    private readonly FeatureInput input;
    private readonly ModuleList<Mlp> experts;
    private readonly ModuleList<Linear> gates;
    private readonly TaskTowers towers;

    public Mmoe(ArchitectureContext context, int expertCount) : base(nameof(Mmoe), context.Tasks)
    {
        input = context.NewInput();
        experts = context.NewExperts(input.OutputDim, expertCount);
        gates = new ModuleList<Linear>(Enumerable.Range(0, context.Tasks).Select(_ => nn.Linear(input.OutputDim, expertCount)).ToArray());
        towers = new TaskTowers(context.Tasks, experts[0].OutputDim, context.Options.TowerHidden, context.Options.Dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor indices, Tensor values)
    {
        var x = input.call(indices, values);                                   // [batch, features]
        var outputs = experts.Select(e => e.call(x)).ToList();                 // experts × [batch, out]
        var states = Enumerable.Range(0, Tasks).Select(t => Mix($"task{t}", gates[t], x, outputs)).ToArray();
        return towers.call(states);                                            // [batch, tasks]
    }

    public override IEnumerable<Parameter> SharedParameters() => input.parameters().Concat(experts.parameters());

    public override IEnumerable<Parameter> TaskParameters(int task) => gates[task].parameters().Concat(towers.Of(task));
}

/// <summary>Registers <see cref="Mmoe"/>.</summary>
public sealed class MmoePlugin : IArchitecturePlugin
{
    public string Name => "mmoe";
    public string Summary => "Experts experts, one softmax gate per task (Ma et al., KDD 2018)";
    public Type? SettingsType => typeof(ExpertPoolSettings);
    public int Order => 30;

    public IEnumerable<string> Problems(ArchitectureOptions options) => DeepSizes.With<ExpertPoolSettings>(Name, options);

    public MultiTaskNetwork Create(ArchitectureContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new Mmoe(context, context.Options.Settings.Read<ExpertPoolSettings>(Name).Experts);
    }
}
