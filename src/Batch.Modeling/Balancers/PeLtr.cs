using static TorchSharp.torch;

namespace Batch.Modeling.Balancers;

/// <summary>PE-LTR: per step, the weights of <see cref="PeLtrSolver"/> applied to the task gradients on the grads parameters.</summary>
/// <remarks>Lin et al., RecSys 2019.</remarks>
public sealed class PeLtr(IReadOnlyList<double> lowerBounds) : GradientCombiningBalancer
{
    protected override (Tensor Combined, double[] Weights) Combine(Tensor grads, IReadOnlyList<double> losses)
    {
        var weights = PeLtrSolver.Solve(Gram(grads), lowerBounds);
        return (Weighted(grads, weights), weights);
    }
}
