using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Balancers;

/// <summary>Balancers that back-propagate Σ w_t·L_t (plus terms of their own) with weights they choose.</summary>
public abstract class WeightedSumBalancer : ILossBalancer
{
    public virtual IEnumerable<Parameter> Parameters => [];

    public virtual bool MeasuresGradients => false;

    /// <summary>The weights to use for this batch.</summary>
    protected abstract double[] Weights(IReadOnlyList<Tensor> losses, BalancerContext context);

    public virtual BalancerStep Backward(IReadOnlyList<Tensor> losses, BalancerContext context)
    {
        ArgumentNullException.ThrowIfNull(losses);
        var weights = Weights(losses, context);
        losses.Select((l, t) => l * weights[t]).Aggregate((a, b) => a + b).backward();
        return new BalancerStep(weights, null);
    }

    public virtual void EndEpoch(IReadOnlyList<double> meanLosses) { }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) { }
}
