using Batch.Modeling.Training;
using static TorchSharp.torch;

namespace Batch.Modeling.Balancers;

/// <summary>
/// Balancers that act on the per-task gradients of the shared parameters. Each task's gradient is computed apart
/// (one backward pass per task); the strategy sees only their Gram matrix M (M_ij = g_i·g_j) and the losses, and
/// answers with coefficients β, and the shared parameters receive Σ_t β_t·g_t. Every task's own parameters keep
/// the gradient of the losses that reach them.
/// </summary>
/// <remarks>
/// PCGrad's projections and GradVac's corrections only ever add multiples of the original gradients, and the
/// min-norm solvers need only dot products, so all of them reduce to coefficients found from M: no
/// gradient-sized vector is copied or built beyond the per-task gradients themselves.
/// </remarks>
public abstract class GradientCombiningBalancer : LossBalancer
{
    public override bool MeasuresGradients => true;

    /// <summary>
    /// Whether the task's own parameters get the weighted gradient Σ β_t·g_t (loss-weighting methods such as
    /// GradNorm) rather than the plain sum of the gradients that reach them (gradient-surgery methods).
    /// </summary>
    protected virtual bool WeightsOwnParameters => false;

    /// <param name="gram">M_ij = g_i·g_j over the shared parameters</param>
    /// <param name="losses">the loss values, for strategies that normalise by them</param>
    /// <returns>β: the shared parameters' gradient is Σ_t β_t·g_t</returns>
    protected abstract double[] Coefficients(double[,] gram, IReadOnlyList<double> losses);

    public override BalancerStep Backward(IReadOnlyList<Tensor> losses, BalancerContext context)
    {
        ArgumentNullException.ThrowIfNull(losses);
        ArgumentNullException.ThrowIfNull(context);
        var shared = context.SharedDense;
        var below = context.SharedInput;
        var own = context.Own;
        var values = losses.Select(l => (double)l.item<float>()).ToArray();
        // Per task: the dense shared and own parameters, and the representation when there is one to stop at.
        var representation = below.Count > 0 ? context.Representation?.Invoke() : null;
        Tensor[] targets = representation is null ? [.. shared, .. own] : [.. shared, .. own, representation];
        // [parameter][task], null where a loss does not reach; the graph is kept for the pass down to the input
        var perParameter = TaskGradients.PerParameter(losses, targets, keepGraph: below.Count > 0);

        using var _ = no_grad();
        var k = losses.Count;
        var gram = new double[k, k];
        var stacked = new Tensor?[shared.Count];
        for (var p = 0; p < shared.Count; p++)
        {
            var g = stack(perParameter[p].Select((t, i) => t ?? zeros_like(shared[p])).Select(t => t.flatten()).ToList()); // [tasks, n_p]
            stacked[p] = g;
            var m = g.matmul(g.t()).to(float64).data<double>().ToArray();
            for (var i = 0; i < k; i++)
                for (var j = 0; j < k; j++) gram[i, j] += m[i * k + j];
        }
        var beta = shared.Count == 0 ? Enumerable.Repeat(1.0, k).ToArray() : Coefficients(gram, values);
        var betaTensor = tensor(beta.Select(b => (float)b).ToArray(), device: losses[0].device);
        for (var p = 0; p < shared.Count; p++) shared[p].grad = betaTensor.matmul(stacked[p]!).view_as(shared[p]);
        for (var p = 0; p < own.Count; p++)
        {
            var reaching = perParameter[shared.Count + p].Select((g, t) => g is null ? null : WeightsOwnParameters ? g.Times(beta[t]) : g).Where(g => g is not null).ToList();
            if (reaching.Count > 0) own[p].grad = reaching.Aggregate((a, b) => a!.Plus(b!));
        }
        if (below.Count == 0) { }
        else if (representation is not null) CombinedThroughRepresentation(representation, perParameter[^1], beta, below);
        else CombinedIntoTables(losses, beta, below);
        return new BalancerStep(beta, PairCosines(gram));
    }

    /// <summary>
    /// The parameters below the representation get Σ_t β_t·∂L_t/∂θ in one backward pass from it: the combination
    /// of the tasks' gradients at the representation, carried down.
    /// </summary>
    private static void CombinedThroughRepresentation(Tensor representation, Tensor?[] atRepresentation, double[] beta, IReadOnlyList<TorchSharp.Modules.Parameter> below)
    {
        var combined = atRepresentation.Select((g, t) => g is null ? null : g.Times(beta[t])).Where(g => g is not null).Aggregate((a, b) => a!.Plus(b!));
        if (combined is null) return;
        Assign(autograd.grad([representation], below.Cast<Tensor>().ToList(), [combined], retain_graph: false, allow_unused: true), below);
    }

    /// <summary>
    /// The shared embedding tables get the gradient of Σ_t β_t·L_t in one pass — what Σ_t β_t·g_t would be over
    /// them, without a table-sized gradient per task.
    /// </summary>
    private static void CombinedIntoTables(IReadOnlyList<Tensor> losses, double[] beta, IReadOnlyList<TorchSharp.Modules.Parameter> tables)
    {
        Tensor combined;
        using (enable_grad()) combined = losses.Select((l, t) => l.Times(beta[t])).Aggregate((a, b) => a.Plus(b));
        Assign(autograd.grad([combined], tables.Cast<Tensor>().ToList(), retain_graph: false, allow_unused: true), tables);
    }

    // A gradient autograd gave (none where the loss does not reach) becomes its parameter's.
    private static void Assign(IList<Tensor> grads, IReadOnlyList<TorchSharp.Modules.Parameter> parameters)
    {
        for (var p = 0; p < parameters.Count; p++)
            if (grads[p] is { IsInvalid: false } g) parameters[p].grad = g;
    }

    public static double Cosine(double[,] gram, int i, int j)
    {
        ArgumentNullException.ThrowIfNull(gram);
        var denominator = Math.Sqrt(gram[i, i] * gram[j, j]);
        return denominator == 0 ? 0 : gram[i, j] / denominator;
    }

    /// <summary>The cosine of every pair (i, j), i &lt; j, in that order.</summary>
    public static IReadOnlyList<double> PairCosines(double[,] gram)
    {
        ArgumentNullException.ThrowIfNull(gram);
        var k = gram.GetLength(0);
        var cosines = new List<double>();
        for (var i = 0; i < k; i++)
            for (var j = i + 1; j < k; j++) cosines.Add(Cosine(gram, i, j));
        return cosines;
    }

    /// <summary>The Gram matrix of gradients given as rows of <paramref name="grads"/> [tasks, n].</summary>
    public static double[,] Gram(Tensor grads)
    {
        ArgumentNullException.ThrowIfNull(grads);
        var k = (int)grads.shape[0];
        var m = grads.matmul(grads.t()).to(float64).data<double>().ToArray();
        var gram = new double[k, k];
        for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++) gram[i, j] = m[i * k + j];
        return gram;
    }
}
