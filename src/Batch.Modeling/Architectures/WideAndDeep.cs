using Batch.Modeling.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>
/// Any architecture with linear terms beside it, each added to every task's logit:
/// <list type="bullet">
/// <item>the wide part (<c>Architecture:Wide</c>; Wide &amp; Deep): a linear term over the one-hot fields and numeric values;</item>
/// <item>the shortcut (<c>Architecture:Shortcut</c>): a linear term over the task's input — the field embeddings, the
/// numeric values and what the interaction layer appends. With <c>fm</c> this is DeepFM's FM component, each task
/// weighting every pair of fields' inner product by a weight of its own (as in field-weighted FM).</item>
/// </list>
/// A task's weights in either belong to that task alone. Both start at zero, so the model starts as the architecture.
/// </summary>
public sealed class WideAndDeep : MultiTaskNetwork
{
    private readonly MultiTaskNetwork deep;
    private readonly WideLinear? wide;
    private readonly ModuleList<Linear>? shortcut;
    private readonly FeatureInput[] _taskInputs;

    public WideAndDeep(MultiTaskNetwork deep, ArchitectureContext context) : base(nameof(WideAndDeep), context?.Tasks ?? 1)
    {
        ArgumentNullException.ThrowIfNull(deep);
        ArgumentNullException.ThrowIfNull(context);
        this.deep = deep;
        _taskInputs = context.Options.Shortcut ? [.. deep.TaskInputs()] : [];
        if (context.Options.Wide) wide = new WideLinear(context.Cardinalities, context.NumericCount, context.Tasks);
        if (context.Options.Shortcut)
        {
            shortcut = new ModuleList<Linear>(_taskInputs.Select(i => nn.Linear(i.OutputDim, 1, hasBias: false)).ToArray());
            using var _ = no_grad();
            foreach (var p in shortcut.parameters()) p.zero_();
        }
        RegisterComponents();
    }

    /// <summary>Whether the wide part is there (<c>Architecture:Wide</c>).</summary>
    public bool HasWidePart => wide is not null;

    public override Action<string, Tensor>? GateObserver
    {
        get => deep.GateObserver;
        set => deep.GateObserver = value;
    }

    public override Tensor forward(Tensor indices, Tensor values)
    {
        var logits = deep.call(indices, values);                                                 // [batch, tasks]
        if (wide is not null) logits = logits.Plus(wide.call(indices, values));
        if (shortcut is not null)                                                                // reads what the deep pass put in
            logits = logits.Plus(cat(Enumerable.Range(0, Tasks).Select(t => shortcut[t].call(_taskInputs[t].LastOutput!)).ToList(), 1));
        return logits;
    }

    /// <summary>The wide part's biases take the shift where there is a wide part (it is never silenced), else the deep network's heads.</summary>
    public override void ShiftLogits(IReadOnlyList<double> shifts)
    {
        if (wide is not null) wide.ShiftBiases(shifts);
        else deep.ShiftLogits(shifts);
    }

    public override IEnumerable<Parameter> SharedParameters() => deep.SharedParameters();

    public override IEnumerable<Parameter> TaskParameters(int task) =>
        deep.TaskParameters(task).Concat(wide?.Of(task) ?? []).Concat(shortcut?[task].parameters() ?? []);

    public override IEnumerable<Parameter> LinearTermParameters() => (wide?.parameters() ?? []).Concat(shortcut?.parameters() ?? []);

    public override Tensor? AuxiliaryLoss() => deep.AuxiliaryLoss();

    /// <summary>Everything but the wide part: the deep network and the shortcut.</summary>
    public IEnumerable<Parameter> DeepParameters() => deep.parameters().Concat(shortcut?.parameters() ?? []);

    /// <summary>Zeroes the deep network's task heads and the shortcut: the model is the wide part alone until they learn.</summary>
    public void SilenceDeep()
    {
        foreach (var towers in deep.modules().OfType<TaskTowers>()) towers.Silence();
        using var _ = no_grad();
        foreach (var p in shortcut?.parameters() ?? []) p.zero_();
    }

    public override double? OpenRouteFraction() => deep.OpenRouteFraction();
}
