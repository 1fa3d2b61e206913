using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Balancers;

/// <summary>What the balancers share: no parameters of their own, nothing to learn per epoch, nothing to free.</summary>
public abstract class LossBalancer : ILossBalancer
{
    public virtual IEnumerable<Parameter> Parameters => [];

    public abstract bool MeasuresGradients { get; }

    public abstract BalancerStep Backward(IReadOnlyList<Tensor> losses, BalancerContext context);

    public virtual void EndEpoch(IReadOnlyList<double> meanLosses) { }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) { }
}
