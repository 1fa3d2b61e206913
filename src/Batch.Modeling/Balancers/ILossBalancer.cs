using Batch.Modeling.Architectures;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Balancers;

/// <summary>Which parameters every task reaches, and which belong to one task.</summary>
public sealed record BalancerContext(IReadOnlyList<Parameter> Shared, IReadOnlyList<IReadOnlyList<Parameter>> TaskOwn)
{
    /// <summary>Every task's own parameters once each, none of them shared (worked out once, not every step).</summary>
    public IReadOnlyList<Parameter> Own { get; } = TaskOwn.SelectMany(p => p).Distinct(ReferenceEqualityComparer.Instance)
        .Cast<Parameter>().Where(p => !Shared.Contains(p)).ToList();

    /// <summary>The shared parameters, then the task-own ones.</summary>
    public IReadOnlyList<Parameter> All => [.. Shared, .. Own];

    /// <summary>
    /// The shared parameters below the representation the tasks' networks read — the embedding tables, and the
    /// interaction layer's weights — which take the combined loss's gradient in one pass, where per-task
    /// gradients are taken over <see cref="SharedDense"/> only.
    /// </summary>
    public IReadOnlyList<Parameter> SharedInput { get; init; } = [];

    /// <summary>The shared parameters above the representation: where task gradients are compared and combined.</summary>
    public IReadOnlyList<Parameter> SharedDense => [.. Shared.Where(p => !SharedInput.Contains(p))];

    /// <summary>
    /// The representation of the current batch (the shared input's output), when the network has exactly one
    /// shared input: per-task backward passes stop there, and one pass carries their combination on to
    /// <see cref="SharedInput"/>. Null otherwise; the tables then get the combined loss's gradient by a pass of their own.
    /// </summary>
    public Func<Tensor?>? Representation { get; init; }

    public static BalancerContext Of(MultiTaskNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var shared = network.SharedParameters().ToList();
        var sharedSet = shared.ToHashSet(ReferenceEqualityComparer.Instance);
        var tasks = Enumerable.Range(0, network.Tasks).Select(t => (IReadOnlyList<Parameter>)network.TaskParameters(t).ToList()).ToList();
        var inputs = network.modules().OfType<FeatureInput>().ToList();
        if (inputs.Count == 1 && inputs[0].parameters().Any() && inputs[0].parameters().All(sharedSet.Contains))
        {
            var input = inputs[0];
            return new BalancerContext(shared, tasks) { SharedInput = [.. input.parameters()], Representation = () => input.LastOutput };
        }
        var tables = network.TableParameters().ToHashSet(ReferenceEqualityComparer.Instance);
        return new BalancerContext(shared, tasks) { SharedInput = [.. shared.Where(tables.Contains)] };
    }
}

/// <summary>What one balancing step did: the task weights used and, when measured, the cosine between the task gradients on the shared dense parameters.</summary>
/// <param name="PairCosines">the cosine between the task gradients of every pair (i, j), i &lt; j, in that order; null where not measured</param>
public sealed record BalancerStep(IReadOnlyList<double> Weights, IReadOnlyList<double>? PairCosines)
{
    /// <summary>The mean over the pairs.</summary>
    public double? GradientCosine => PairCosines is { Count: > 0 } pairs ? pairs.Average() : null;
}

/// <summary>
/// The contract of every loss-balancing strategy: given the per-task losses of a batch, fill the gradients of
/// every model parameter (and of the balancer's own), and report the weights used. The optimizer steps after.
/// </summary>
public interface ILossBalancer : IDisposable
{
    /// <summary>Parameters the balancer learns with the model's optimizer (Uncertainty's log-variances).</summary>
    IEnumerable<Parameter> Parameters { get; }

    /// <summary>Whether <see cref="Backward"/> computes per-task gradients (and so reports their cosine) itself.</summary>
    bool MeasuresGradients { get; }

    BalancerStep Backward(IReadOnlyList<Tensor> losses, BalancerContext context);

    /// <summary>Told each epoch's mean loss per task (DWA weighs by their ratios).</summary>
    void EndEpoch(IReadOnlyList<double> meanLosses);
}
