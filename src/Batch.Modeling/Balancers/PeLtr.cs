using static TorchSharp.torch;
using Batch.Core.Options;
namespace Batch.Modeling.Balancers;

/// <summary>PE-LTR: per step, the weights of <see cref="PeLtrSolver"/> applied to the task gradients on the shared dense parameters.</summary>
/// <remarks>Lin et al., RecSys 2019.</remarks>
public sealed class PeLtr(IReadOnlyList<double> lowerBounds) : GradientCombiningBalancer
{
    protected override double[] Coefficients(double[,] gram, IReadOnlyList<double> losses) => PeLtrSolver.Solve(gram, lowerBounds);
}

/// <summary>Registers <see cref="PeLtr"/>.</summary>
public sealed class PeLtrPlugin : IBalancerPlugin
{
    public string Name => "pe-ltr";
    public string Summary => "Pareto-efficient weights with a lower bound per task (LowerBounds; Lin et al., RecSys 2019)";
    public int Order => 40;

    public IEnumerable<string> Problems(BalancerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.LowerBounds.Any(c => c < 0) || options.LowerBounds.Sum() >= 1) yield return "Balancer:LowerBounds must not be negative and must sum to less than 1";
    }

    public ILossBalancer Create(BalancerOptions options, int tasks, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.LowerBounds.Count is not 0 && options.LowerBounds.Count != tasks)
            throw new ArgumentException($"Balancer:LowerBounds has {options.LowerBounds.Count} bounds for {tasks} tasks.");
        return new PeLtr(options.LowerBounds);
    }
}
