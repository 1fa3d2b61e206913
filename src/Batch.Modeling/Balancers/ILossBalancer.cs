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

    public static BalancerContext Of(MultiTaskNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return new BalancerContext(
            network.SharedParameters().ToList(),
            Enumerable.Range(0, network.Tasks).Select(t => (IReadOnlyList<Parameter>)network.TaskParameters(t).ToList()).ToList());
    }
}

/// <summary>What one balancing step did: the task weights used and, when measured, the cosine between the task gradients on the shared parameters.</summary>
public sealed record BalancerStep(IReadOnlyList<double> Weights, double? GradientCosine);

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
