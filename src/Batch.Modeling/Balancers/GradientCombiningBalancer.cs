using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Balancers;

/// <summary>
/// Balancers that act on the per-task gradients of the shared parameters: each task's gradient is computed
/// apart (one backward pass per task), the shared parameters receive the strategy's combination, and every
/// task's own parameters keep the gradient of the losses that reach them.
/// </summary>
public abstract class GradientCombiningBalancer : LossBalancer
{
    public override bool MeasuresGradients => true;

    /// <summary>
    /// Whether the task's own parameters get the weighted gradient Σ w_t·g_t (loss-weighting methods such as
    /// GradNorm) rather than the plain sum of the gradients that reach them (gradient-surgery methods).
    /// </summary>
    protected virtual bool WeightsOwnParameters => false;

    /// <param name="grads">[tasks, n] the task gradients on the shared parameters</param>
    /// <param name="losses">the loss values, for strategies that normalise by them</param>
    /// <returns>the shared parameters' gradient [n], and the task weights it amounts to</returns>
    protected abstract (Tensor Combined, double[] Weights) Combine(Tensor grads, IReadOnlyList<double> losses);

    public override BalancerStep Backward(IReadOnlyList<Tensor> losses, BalancerContext context)
    {
        ArgumentNullException.ThrowIfNull(losses);
        ArgumentNullException.ThrowIfNull(context);
        var shared = context.Shared;
        var own = context.TaskOwn.SelectMany(p => p).Distinct(ReferenceEqualityComparer.Instance).Cast<Parameter>()
            .Where(p => !shared.Contains(p)).ToList();
        var all = shared.Concat(own).ToList();
        var values = losses.Select(l => (double)l.item<float>()).ToArray();
        var grads = TaskGradients.Compute(losses, all, keepGraph: false);
        var sharedCount = shared.Sum(p => p.numel());

        using var _ = no_grad();
        var perTask = stack(grads.Select(g => g[TensorIndex.Slice(0, sharedCount)]).ToList());   // [tasks, n]
        var cosine = TaskGradients.MeanPairCosine(Enumerable.Range(0, losses.Count).Select(t => perTask[t]).ToList());
        var (combined, weights) = Combine(perTask, values);
        var ownGrad = grads.Select((g, t) => WeightsOwnParameters ? g[TensorIndex.Slice(sharedCount, null)] * weights[t] : g[TensorIndex.Slice(sharedCount, null)])
            .Aggregate((a, b) => a + b);
        TaskGradients.Assign(all, cat([combined, ownGrad]));
        return new BalancerStep(weights, cosine);
    }

    /// <summary>The Gram matrix G·Gᵀ of the task gradients, in doubles.</summary>
    protected static double[,] Gram(Tensor grads)
    {
        ArgumentNullException.ThrowIfNull(grads);
        var k = (int)grads.shape[0];
        var m = grads.to(float64).matmul(grads.to(float64).t()).data<double>().ToArray();
        var gram = new double[k, k];
        for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++) gram[i, j] = m[i * k + j];
        return gram;
    }

    /// <summary>Σ_t w_t·g_t.</summary>
    protected static Tensor Weighted(Tensor grads, double[] weights)
    {
        ArgumentNullException.ThrowIfNull(grads);
        ArgumentNullException.ThrowIfNull(weights);
        return tensor(weights.Select(w => (float)w).ToArray(), device: grads.device).matmul(grads);
    }
}
