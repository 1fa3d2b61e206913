using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>
/// Any architecture with the wide part beside it: each task's logit is the deep network's plus its wide term
/// (Wide &amp; Deep). The wide weights of a task belong to that task alone.
/// </summary>
public sealed class WideAndDeep : MultiTaskNetwork
{
    private readonly MultiTaskNetwork deep;
    private readonly WideLinear wide;

    public WideAndDeep(MultiTaskNetwork deep, ArchitectureContext context) : base(nameof(WideAndDeep), context.Tasks)
    {
        ArgumentNullException.ThrowIfNull(deep);
        this.deep = deep;
        wide = new WideLinear(context.Cardinalities, context.NumericCount, context.Tasks);
        RegisterComponents();
    }

    public override Action<string, Tensor>? GateObserver
    {
        get => deep.GateObserver;
        set => deep.GateObserver = value;
    }

    public override Tensor forward(Tensor indices, Tensor values) => deep.call(indices, values) + wide.call(indices, values); // [batch, tasks]

    public override IEnumerable<TorchSharp.Modules.Parameter> SharedParameters() => deep.SharedParameters();

    public override IEnumerable<TorchSharp.Modules.Parameter> TaskParameters(int task) => deep.TaskParameters(task).Concat(wide.Of(task));

    public override Tensor? AuxiliaryLoss() => deep.AuxiliaryLoss();

    /// <summary>The deep network's parameters (everything but the wide part).</summary>
    public IEnumerable<TorchSharp.Modules.Parameter> DeepParameters() => deep.parameters();

    /// <summary>Zeroes the deep network's task heads: its logits are 0, and the model is the wide part alone, until they learn.</summary>
    public void SilenceDeep()
    {
        foreach (var towers in deep.modules().OfType<TaskTowers>()) towers.Silence();
    }

    public override double? OpenRouteFraction() => deep.OpenRouteFraction();
}
