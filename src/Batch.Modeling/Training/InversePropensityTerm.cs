using Batch.Core.Options;
using Batch.Modeling.Architectures;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Training;

/// <summary>
/// The inverse-propensity conversion loss of each training step (<c>Training:InversePropensityCvrWeight</c>), trained
/// into the parameters <c>Training:InversePropensityCvrReaches</c> names: as part of the CTCVR task's loss, or as
/// gradients taken before the balancer's backward pass and added to the parameters' after it.
/// </summary>
public sealed class InversePropensityTerm
{
    private readonly double weight;
    private readonly double floor;
    private readonly List<Parameter> reached; // empty: every parameter, through the CTCVR loss
    private Tensor?[]? pending;

    public InversePropensityTerm(MultiTaskNetwork network, TrainingOptions options)
    {
        weight = options.InversePropensityCvrWeight;
        floor = options.InversePropensityFloor;
        reached = weight == 0 ? [] : options.InversePropensityCvrReaches switch
        {
            InversePropensityReach.Everything => [],
            InversePropensityReach.AboveTables => network.parameters().Except(network.FieldTableParameters(), ReferenceEqualityComparer.Instance).Cast<Parameter>().ToList(),
            InversePropensityReach.ConversionTask => network.TaskParameters(Esmm.CvrTask).ToList(),
            var other => throw new ArgumentOutOfRangeException(nameof(options), other, "Training:InversePropensityCvrReaches"),
        };
        if (weight > 0 && options.InversePropensityCvrReaches != InversePropensityReach.Everything && reached.Count == 0)
            throw new ArgumentException(
                $"Training:InversePropensityCvrReaches {options.InversePropensityCvrReaches}: {network.GetType().Name} has no such parameters for the inverse-propensity loss to train.");
    }

    /// <summary>The step's task losses: the CTCVR loss with the term, or (reaching part of the model) without it, its gradients held for <see cref="AddGradients"/>.</summary>
    public Tensor[] Losses(Tensor logits, Tensor clicked, Tensor converted, Tensor ctrLoss, Tensor ctcvrLoss)
    {
        pending = null;
        if (weight == 0) return [ctrLoss, ctcvrLoss];
        var term = weight * Esmm.InversePropensityCvrLoss(logits, clicked, converted, floor);
        if (reached.Count == 0) return [ctrLoss, ctcvrLoss + term];
        pending = [.. autograd.grad([term], reached.Cast<Tensor>().ToList(), retain_graph: true, allow_unused: true)];
        return [ctrLoss, ctcvrLoss];
    }

    /// <summary>After the balancer's backward pass: adds the held gradients to the parameters'.</summary>
    public void AddGradients()
    {
        if (pending is null) return;
        using var _ = no_grad();
        for (var p = 0; p < reached.Count; p++)
        {
            if (pending[p] is not { IsInvalid: false } g) continue;
            if (reached[p].grad is { } existing) existing.add_(g);
            else reached[p].grad = g;
        }
        pending = null;
    }
}
