using Batch.Modeling.Training;
using static TorchSharp.torch;

namespace Batch.Modeling.Balancers;

/// <summary>Balancers that back-propagate Σ w_t·L_t (plus terms of their own) with weights they choose.</summary>
public abstract class WeightedSumBalancer : LossBalancer
{
    public override bool MeasuresGradients => false;

    /// <summary>The weights to use for this batch.</summary>
    protected abstract double[] Weights(IReadOnlyList<Tensor> losses, BalancerContext context);

    public override BalancerStep Backward(IReadOnlyList<Tensor> losses, BalancerContext context)
    {
        ArgumentNullException.ThrowIfNull(losses);
        var weights = Weights(losses, context);
        losses.Select((l, t) => l.Times(weights[t])).Aggregate((a, b) => a.Plus(b)).backward();
        return new BalancerStep(weights, null);
    }
}
