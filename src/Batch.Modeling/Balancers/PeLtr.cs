namespace Batch.Modeling.Balancers;

/// <summary>PE-LTR: per step, the weights of <see cref="PeLtrSolver"/> applied to the task gradients on the shared parameters.</summary>
/// <remarks>Lin et al., RecSys 2019.</remarks>
public sealed class PeLtr(IReadOnlyList<double> lowerBounds) : GradientCombiningBalancer
{
    protected override double[] Coefficients(double[,] gram, IReadOnlyList<double> losses) => PeLtrSolver.Solve(gram, lowerBounds);
}
