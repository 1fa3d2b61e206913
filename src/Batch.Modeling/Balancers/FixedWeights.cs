using static TorchSharp.torch;

namespace Batch.Modeling.Balancers;

/// <summary>The baseline: L = Σ w_t·L_t with weights from configuration (1 each when none are given).</summary>
public sealed class FixedWeights(IReadOnlyList<double> weights) : WeightedSumBalancer
{
    protected override double[] Weights(IReadOnlyList<Tensor> losses, BalancerContext context) =>
        weights.Count == 0 ? Enumerable.Repeat(1.0, losses.Count).ToArray()
        : weights.Count == losses.Count ? [.. weights]
        : throw new InvalidOperationException($"Balancer:Weights has {weights.Count} weights for {losses.Count} tasks.");
}
