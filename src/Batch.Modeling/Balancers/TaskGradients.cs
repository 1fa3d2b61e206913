using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Balancers;

/// <summary>Per-task gradients, per parameter or as flat vectors, and their cosines.</summary>
public static class TaskGradients
{
    /// <summary>
    /// ∂L_t/∂θ for every task t, each flattened over <paramref name="parameters"/> (zeros where a loss does not reach
    /// a parameter). The graph is kept after the last task only when <paramref name="keepGraph"/>.
    /// </summary>
    public static Tensor[] Compute(IReadOnlyList<Tensor> losses, IReadOnlyList<Parameter> parameters, bool keepGraph)
    {
        ArgumentNullException.ThrowIfNull(losses);
        ArgumentNullException.ThrowIfNull(parameters);
        var perParameter = PerParameter(losses, parameters, keepGraph);
        return Enumerable.Range(0, losses.Count).Select(t => parameters.Count == 0
                ? zeros(0, device: losses[t].device)
                : cat(parameters.Select((p, i) => perParameter[i][t]?.flatten() ?? zeros(p.numel(), device: p.device)).ToList()))
            .ToArray();
    }

    /// <summary>
    /// ∂L_t/∂θ_p for every parameter p and task t, as [parameter][task], null where the loss does not reach the
    /// parameter. The graph is kept after the last task only when <paramref name="keepGraph"/>.
    /// </summary>
    public static Tensor?[][] PerParameter(IReadOnlyList<Tensor> losses, IReadOnlyList<Tensor> parameters, bool keepGraph = false)
    {
        ArgumentNullException.ThrowIfNull(losses);
        ArgumentNullException.ThrowIfNull(parameters);
        var result = parameters.Select(_ => new Tensor?[losses.Count]).ToArray();
        if (parameters.Count == 0) return result; // autograd.grad aborts the process on an empty input list
        var inputs = parameters.ToList();
        for (var t = 0; t < losses.Count; t++)
        {
            // allow_unused: a task's loss does not reach the other tasks' parameters; an error here would abort the process.
            var grads = autograd.grad([losses[t]], inputs, retain_graph: keepGraph || t < losses.Count - 1, allow_unused: true);
            for (var p = 0; p < parameters.Count; p++) result[p][t] = grads[p] is { IsInvalid: false } g ? g : null;
        }
        return result;
    }

    public static double Cosine(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var denominator = a.norm().item<float>() * b.norm().item<float>();
        return denominator == 0 ? 0 : a.dot(b).item<float>() / denominator;
    }

    /// <summary>The cosine of every pair of task gradients (i, j), i &lt; j, in that order.</summary>
    public static IReadOnlyList<double> PairCosines(IReadOnlyList<Tensor> grads)
    {
        ArgumentNullException.ThrowIfNull(grads);
        var cosines = new List<double>();
        for (var i = 0; i < grads.Count; i++)
            for (var j = i + 1; j < grads.Count; j++) cosines.Add(Cosine(grads[i], grads[j]));
        return cosines;
    }
}
