using static TorchSharp.torch;

namespace Batch.Modeling.Balancers;

/// <summary>
/// Gradient Vaccine: each pair of tasks keeps an exponential moving average φ̂ of its gradient cosine; when the
/// current cosine φ falls below it, task i's gradient gets the multiple of task j's that raises their cosine to φ̂:
/// g_i += g_j · ‖g_i‖(φ̂√(1−φ²) − φ√(1−φ̂²)) / (‖g_j‖√(1−φ̂²)). Then φ̂ ← (1−β)φ̂ + βφ.
/// </summary>
/// <remarks>Wang et al., "Gradient Vaccine: Investigating and Improving Multi-task Optimization in Massively Multilingual Models", ICLR 2021.</remarks>
public sealed class GradVac(int tasks, double beta, int seed, double initialTarget = 0) : GradientCombiningBalancer
{
    private readonly Random _random = new(seed);
    private readonly double[,] _targets = Fill(tasks, initialTarget);

    public double Target(int i, int j) => _targets[i, j];

    protected override (Tensor Combined, double[] Weights) Combine(Tensor grads, IReadOnlyList<double> losses)
    {
        ArgumentNullException.ThrowIfNull(grads);
        return (Vaccinate(grads).sum(dim: 0L), Enumerable.Repeat(1.0, tasks).ToArray());
    }

    /// <returns>[tasks, n] the corrected gradients; the targets move toward the cosines seen</returns>
    public Tensor Vaccinate(Tensor grads)
    {
        ArgumentNullException.ThrowIfNull(grads);
        var corrected = new List<Tensor>(tasks);
        for (var i = 0; i < tasks; i++)
        {
            var g = grads[i].clone();
            var others = Enumerable.Range(0, tasks).Where(j => j != i).ToArray();
            _random.Shuffle(others);
            foreach (var j in others)
            {
                var other = grads[j];
                double gNorm = g.norm().item<float>(), oNorm = other.norm().item<float>();
                if (gNorm == 0 || oNorm == 0) continue;
                var phi = g.dot(other).item<float>() / (gNorm * oNorm);
                var target = _targets[i, j];
                if (phi < target)
                {
                    var coefficient = gNorm * (target * Math.Sqrt(1 - phi * phi) - phi * Math.Sqrt(1 - target * target))
                                      / (oNorm * Math.Sqrt(1 - target * target));
                    g = g + coefficient * other;
                }
                _targets[i, j] = (1 - beta) * target + beta * phi;
            }
            corrected.Add(g);
        }
        return stack(corrected);
    }

    private static double[,] Fill(int tasks, double value)
    {
        var m = new double[tasks, tasks];
        for (var i = 0; i < tasks; i++)
            for (var j = 0; j < tasks; j++) m[i, j] = value;
        return m;
    }
}
