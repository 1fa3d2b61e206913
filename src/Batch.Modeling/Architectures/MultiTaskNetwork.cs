using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>
/// The contract of every multi-task architecture: feature indices and values in, one logit per task out;
/// the parameters every task shares listed apart from each task's own (loss balancers need the split);
/// gate or routing weights reported to an observer for diagnostics.
/// </summary>
public abstract class MultiTaskNetwork : nn.Module<Tensor, Tensor, Tensor>
{
    protected MultiTaskNetwork(string name, int tasks) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tasks, 1);
        Tasks = tasks;
    }

    public int Tasks { get; }

    /// <summary>Receives, during forward passes, each gate's weights by name: [batch, experts], rows summing to 1.</summary>
    public virtual Action<string, Tensor>? GateObserver { get; set; }

    /// <summary>Parameters that more than one task's loss reaches.</summary>
    public abstract IEnumerable<Parameter> SharedParameters();

    /// <summary>Parameters that only task <paramref name="task"/>'s loss reaches.</summary>
    public abstract IEnumerable<Parameter> TaskParameters(int task);

    /// <summary>The weights of the linear terms added to the logits (the wide part, the shortcut): <c>Training:WideLearningRate</c> trains them.</summary>
    public virtual IEnumerable<Parameter> LinearTermParameters() => [];

    /// <summary>Every embedding table's weights: the field tables and the wide part's.</summary>
    public IEnumerable<Parameter> TableParameters() => modules().OfType<Embedding>().SelectMany(m => m.parameters());

    /// <summary>The field embedding tables' weights: every table's but the linear terms' (the wide part's).</summary>
    public IEnumerable<Parameter> FieldTableParameters()
    {
        var linear = LinearTermParameters().ToHashSet(ReferenceEqualityComparer.Instance);
        return TableParameters().Where(p => !linear.Contains(p));
    }

    /// <summary>
    /// Each task's feature input (what the shortcut reads): the one every task shares, or one per task. An architecture
    /// with any other arrangement names them itself.
    /// </summary>
    public virtual IReadOnlyList<FeatureInput> TaskInputs()
    {
        var inputs = modules().OfType<FeatureInput>().ToArray();
        if (inputs.Length != 1 && inputs.Length != Tasks)
            throw new ArgumentException($"This architecture has {inputs.Length} feature inputs for {Tasks} tasks and does not say which is whose.");
        return [.. Enumerable.Range(0, Tasks).Select(t => inputs[inputs.Length == 1 ? 0 : t])];
    }

    /// <summary>
    /// Moves each task's logit by a constant: the bias every task's logit ends in (its head's) takes
    /// <paramref name="shifts"/>[task]. Architectures whose logits end elsewhere say where.
    /// </summary>
    public virtual void ShiftLogits(IReadOnlyList<double> shifts)
    {
        ArgumentNullException.ThrowIfNull(shifts);
        var towers = modules().OfType<TaskTowers>().ToArray();
        if (towers.Length != 1) throw new InvalidOperationException(
                $"{GetType().Name} has {towers.Length} sets of task heads and does not say which ends its logits: it needs to override ShiftLogits for Training:StartAtBaseRates, or set that to false.");
        towers[0].ShiftBiases(shifts);
    }

    /// <summary>A regularisation term to add to the training loss (SNR's L0 penalty), or null.</summary>
    public virtual Tensor? AuxiliaryLoss() => null;

    /// <summary>Fraction of routes open at evaluation, for architectures with learned routing; else null.</summary>
    public virtual double? OpenRouteFraction() => null;

    protected void Observe(string gate, Tensor weights) => GateObserver?.Invoke(gate, weights);

    /// <summary>softmax(gate(x)) · experts: [batch, experts] weights mix [batch, experts, out] into [batch, out].</summary>
    protected Tensor Mix(string gate, Linear gateLayer, Tensor gateInput, IReadOnlyList<Tensor> expertOutputs)
    {
        ArgumentNullException.ThrowIfNull(gateLayer);
        var experts = stack(expertOutputs, 1);                                   // [batch, experts, out]
        var weights = nn.functional.softmax(gateLayer.call(gateInput), 1);   // [batch, experts]
        Observe(gate, weights);
        return bmm(weights.unsqueeze(1), experts).squeeze(1);                   // [batch, out]
    }
}
