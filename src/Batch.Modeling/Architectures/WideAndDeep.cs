using Batch.Modeling.Training;
using TorchSharp.Modules;
using TorchSharp.Utils;
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
    [ComponentName(Name = "deep")]
    private readonly MultiTaskNetwork _deep;
    [ComponentName(Name = "wide")]
    private readonly WideLinear? _wide;
    [ComponentName(Name = "shortcut")]
    private readonly ModuleList<Linear>? _shortcut;
    private readonly FeatureInput[] _taskInputs;

    public WideAndDeep(MultiTaskNetwork deep, ArchitectureContext context) : base(nameof(WideAndDeep), context?.Tasks ?? 1)
    {
        ArgumentNullException.ThrowIfNull(deep);
        ArgumentNullException.ThrowIfNull(context);
        _deep = deep;
        _taskInputs = context.Options.Shortcut ? [.. deep.TaskInputs()] : [];
        if (context.Options.Wide) _wide = new WideLinear(context.Cardinalities, context.NumericCount, context.Tasks);
        if (context.Options.Shortcut)
        {
            _shortcut = new ModuleList<Linear>(_taskInputs.Select(i => nn.Linear(i.OutputDim, 1, hasBias: false)).ToArray());
            using var _ = no_grad();
            foreach (var p in _shortcut.parameters()) p.zero_();
        }
        RegisterComponents();
    }

    /// <summary>Whether the wide part is there (<c>Architecture:Wide</c>).</summary>
    public bool HasWidePart => _wide is not null;

    public override Action<string, Tensor>? GateObserver
    {
        get => _deep.GateObserver;
        set => _deep.GateObserver = value;
    }

    public override Tensor forward(Tensor indices, Tensor values)
    {
        var logits = _deep.call(indices, values);                                                 // [batch, tasks]
        if (_wide is not null) logits = logits.Plus(_wide.call(indices, values));
        if (_shortcut is not null)                                                                // reads what the deep pass put in
            logits = logits.Plus(cat(Enumerable.Range(0, Tasks).Select(t => _shortcut[t].call(_taskInputs[t].LastOutput!)).ToList(), 1));
        return logits;
    }

    /// <summary>The wide part's biases take the shift where there is a wide part (it is never silenced), else the deep network's heads.</summary>
    public override void ShiftLogits(IReadOnlyList<double> shifts)
    {
        if (_wide is not null) _wide.ShiftBiases(shifts);
        else _deep.ShiftLogits(shifts);
    }

    public override IEnumerable<Parameter> SharedParameters() => _deep.SharedParameters();

    public override IEnumerable<Parameter> TaskParameters(int task) =>
        _deep.TaskParameters(task).Concat(_wide?.Of(task) ?? []).Concat(_shortcut?[task].parameters() ?? []);

    public override IEnumerable<Parameter> LinearTermParameters() => (_wide?.parameters() ?? []).Concat(_shortcut?.parameters() ?? []);

    public override Tensor? AuxiliaryLoss() => _deep.AuxiliaryLoss();

    /// <summary>Everything but the wide part: the deep network and the shortcut.</summary>
    public IEnumerable<Parameter> DeepParameters() => _deep.parameters().Concat(_shortcut?.parameters() ?? []);

    /// <summary>Zeroes the deep network's task heads and the shortcut: the model is the wide part alone until they learn.</summary>
    public void SilenceDeep()
    {
        foreach (var towers in _deep.modules().OfType<TaskTowers>()) towers.Silence();
        using var _ = no_grad();
        foreach (var p in _shortcut?.parameters() ?? []) p.zero_();
    }

    public override double? OpenRouteFraction() => _deep.OpenRouteFraction();
}
