using Batch.Core.Options;
using Batch.Modeling.Plugins;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>
/// Multi-gate mixture of experts (Ma et al., KDD 2018): shared experts, and one softmax gate per task, so each
/// task can lean on different experts.
/// </summary>
public sealed class Mmoe : MultiTaskNetwork
{
    [ComponentName(Name = "input")]
    private readonly FeatureInput _input;
    [ComponentName(Name = "experts")]
    private readonly ModuleList<Mlp> _experts;
    [ComponentName(Name = "gates")]
    private readonly ModuleList<Linear> _gates;
    [ComponentName(Name = "towers")]
    private readonly TaskTowers _towers;

    public Mmoe(ArchitectureContext context, int expertCount) : base(nameof(Mmoe), context.Tasks)
    {
        _input = context.NewInput();
        _experts = context.NewExperts(_input.OutputDim, expertCount);
        _gates = new ModuleList<Linear>(Enumerable.Range(0, context.Tasks).Select(_ => nn.Linear(_input.OutputDim, expertCount)).ToArray());
        _towers = new TaskTowers(context.Tasks, _experts[0].OutputDim, context.Options.TowerHidden, context.Options.Dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor indices, Tensor values)
    {
        var x = _input.call(indices, values);                                   // [batch, features]
        var outputs = _experts.Select(e => e.call(x)).ToList();                 // experts × [batch, out]
        var states = Enumerable.Range(0, Tasks).Select(t => Mix($"task{t}", _gates[t], x, outputs)).ToArray();
        return _towers.call(states);                                            // [batch, tasks]
    }

    public override IEnumerable<Parameter> SharedParameters() => _input.parameters().Concat(_experts.parameters());

    public override IEnumerable<Parameter> TaskParameters(int task) => _gates[task].parameters().Concat(_towers.Of(task));
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
