using static TorchSharp.torch;

namespace Batch.Modeling.Balancers;

/// <summary>
/// PCGrad: for each task, in random order over the others, remove the component of its gradient that conflicts
/// (negative dot product) with another task's original gradient; the grads update is the sum.
/// </summary>
/// <remarks>Yu et al., "Gradient Surgery for Multi-Task Learning", NeurIPS 2020.</remarks>
public sealed class PcGrad(int seed) : GradientCombiningBalancer
{
    private readonly Random _random = new(seed);

    protected override (Tensor Combined, double[] Weights) Combine(Tensor grads, IReadOnlyList<double> losses)
    {
        ArgumentNullException.ThrowIfNull(grads);
        return (Project(grads, _random).sum(dim: 0L), Enumerable.Repeat(1.0, (int)grads.shape[0]).ToArray());
    }

    /// <returns>[tasks, n] the projected gradients</returns>
    public static Tensor Project(Tensor grads, Random random)
    {
        ArgumentNullException.ThrowIfNull(grads);
        ArgumentNullException.ThrowIfNull(random);
        var k = (int)grads.shape[0];
        var projected = new List<Tensor>(k);
        for (var i = 0; i < k; i++)
        {
            var g = grads[i].clone();
            var others = Enumerable.Range(0, k).Where(j => j != i).ToArray();
            random.Shuffle(others);
            foreach (var j in others)
            {
                var other = grads[j];
                var dot = g.dot(other).item<float>();
                var normSquared = other.dot(other).item<float>();
                if (dot < 0 && normSquared > 0) g = g - dot / normSquared * other;
            }
            projected.Add(g);
        }
        return stack(projected);
    }
}
