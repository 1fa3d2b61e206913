using Batch.Core.Options;
using Batch.Modeling.Plugins;
using static TorchSharp.torch;

namespace Batch.Modeling.Balancers;

/// <summary>
/// PCGrad: for each task, in random order over the others, remove the component of its gradient that conflicts
/// (negative dot product) with another task's original gradient; the shared update is the sum.
/// </summary>
/// <remarks>
/// Yu et al., "Gradient Surgery for Multi-Task Learning", NeurIPS 2020. Every projected gradient is a combination
/// Σ_k a_ik·g_k of the originals, so the projections run on the coefficients a_i with dot products from the Gram matrix.
/// </remarks>
public sealed class PcGrad(int seed) : GradientCombiningBalancer
{
    private readonly Random _random = new(seed);

    protected override double[] Coefficients(double[,] gram, IReadOnlyList<double> losses) => Sum(Projections(gram, _random));

    /// <returns>A: row i holds the coefficients of task i's projected gradient over the original ones</returns>
    public static double[,] Projections(double[,] gram, Random random)
    {
        ArgumentNullException.ThrowIfNull(gram);
        ArgumentNullException.ThrowIfNull(random);
        var k = gram.GetLength(0);
        var orders = new int[k][];
        for (var i = 0; i < k; i++)
        {
            orders[i] = [.. Enumerable.Range(0, k).Where(j => j != i)];
            random.Shuffle(orders[i]);
        }
        return Projections(gram, orders);
    }

    /// <summary>The projections with each task's order over the others given: task i is projected off the tasks of <paramref name="orders"/>[i] in turn.</summary>
    public static double[,] Projections(double[,] gram, IReadOnlyList<int[]> orders)
    {
        ArgumentNullException.ThrowIfNull(gram);
        ArgumentNullException.ThrowIfNull(orders);
        var k = gram.GetLength(0);
        var a = new double[k, k];
        for (var i = 0; i < k; i++)
        {
            a[i, i] = 1;
            foreach (var j in orders[i])
            {
                var dot = Enumerable.Range(0, k).Sum(m => a[i, m] * gram[m, j]); // g_i'·g_j
                if (dot < 0 && gram[j, j] > 0) a[i, j] -= dot / gram[j, j];
            }
        }
        return a;
    }

    /// <summary>The projected gradients themselves, [tasks, n], for inspection.</summary>
    public static Tensor Project(Tensor grads, Random random)
    {
        ArgumentNullException.ThrowIfNull(grads);
        return Matrix(Projections(Gram(grads), random), grads.device).matmul(grads);
    }

    internal static double[] Sum(double[,] a)
    {
        var k = a.GetLength(0);
        return Enumerable.Range(0, k).Select(j => Enumerable.Range(0, k).Sum(i => a[i, j])).ToArray();
    }

    internal static Tensor Matrix(double[,] a, Device device)
    {
        var k = a.GetLength(0);
        return tensor(Enumerable.Range(0, k * k).Select(x => (float)a[x / k, x % k]).ToArray(), [k, k], device: device);
    }
}

/// <summary>Registers <see cref="PcGrad"/>.</summary>
public sealed class PcGradPlugin : IBalancerPlugin
{
    public string Name => "pcgrad";
    public string Summary => "conflicting task gradients projected off each other in random order (Seed; Yu et al., NeurIPS 2020)";
    public int Order => 60;
    public Type? SettingsType => typeof(TaskOrderSettings);

    public IEnumerable<string> Problems(BalancerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Settings.Problems<TaskOrderSettings>(PluginSettingsJson.BalancerPath, Name);
    }

    public ILossBalancer Create(BalancerOptions options, int tasks, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new PcGrad(options.Settings.Read<TaskOrderSettings>(Name).Seed);
    }
}

/// <summary>The settings of PCGrad: the seed of its random task order.</summary>
public sealed class TaskOrderSettings : IPluginSettings
{
    public int Seed { get; set; } = 1;

    public IEnumerable<string> Problems() => [];
}
