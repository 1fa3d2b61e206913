using static TorchSharp.torch;

namespace Batch.Modeling.Balancers;

/// <summary>
/// MGDA: the grads parameters move along the min-norm point of the convex hull of the task gradients (a
/// Pareto-stationary direction when it is zero); closed form for two tasks, Frank–Wolfe for more.
/// </summary>
/// <remarks>
/// Sener and Koltun, NeurIPS 2018. The solver sees the gradients normalised as configured (none, l2: by their
/// norm, loss: by the loss, loss+: by both); as in the authors' code, the weights it finds then scale the raw
/// task gradients: the update is Σ w_t·g_t.
/// </remarks>
public sealed class Mgda(string normalization) : GradientCombiningBalancer
{
    protected override (Tensor Combined, double[] Weights) Combine(Tensor grads, IReadOnlyList<double> losses)
    {
        ArgumentNullException.ThrowIfNull(grads);
        ArgumentNullException.ThrowIfNull(losses);
        var scale = Enumerable.Range(0, losses.Count).Select(t =>
        {
            var norm = (double)grads[t].norm().item<float>();
            var s = normalization switch
            {
                "l2" => norm,
                "loss" => losses[t],
                "loss+" => losses[t] * norm,
                _ => 1.0,
            };
            return s > 1e-12 ? s : 1.0;
        }).ToArray();
        var normalised = grads / tensor(scale.Select(s => (float)s).ToArray(), device: grads.device).unsqueeze(1);
        var weights = MinNormSolver.Solve(Gram(normalised));
        return (Weighted(grads, weights), weights);
    }
}
