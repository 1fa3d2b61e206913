using Batch.Core.Options;
using Batch.Modeling.Plugins;
using static TorchSharp.torch;

namespace Batch.Modeling.Balancers;

/// <summary>
/// Gradient Vaccine: each pair of tasks keeps an exponential moving average φ̂ of its gradient cosine; when the
/// current cosine φ falls below it, task i's gradient gets the multiple of task j's that raises their cosine to φ̂:
/// g_i += g_j · ‖g_i‖(φ̂√(1−φ²) − φ√(1−φ̂²)) / (‖g_j‖√(1−φ̂²)). Then φ̂ ← (1−β)φ̂ + βφ.
/// </summary>
/// <remarks>
/// Wang et al., "Gradient Vaccine: Investigating and Improving Multi-task Optimization in Massively Multilingual
/// Models", ICLR 2021. As in PCGrad, the corrections run on coefficients over the original gradients.
/// </remarks>
public sealed class GradVac(int tasks, double beta, int seed, double initialTarget = 0) : GradientCombiningBalancer
{
    private readonly Random _random = new(seed);
    private readonly double[,] _targets = Fill(tasks, initialTarget);

    public double Target(int i, int j) => _targets[i, j];

    protected override double[] Coefficients(double[,] gram, IReadOnlyList<double> losses) => PcGrad.Sum(Corrections(gram));

    /// <returns>A: row i holds the coefficients of task i's corrected gradient; the targets move toward the cosines seen</returns>
    public double[,] Corrections(double[,] gram)
    {
        ArgumentNullException.ThrowIfNull(gram);
        var a = new double[tasks, tasks];
        for (var i = 0; i < tasks; i++)
        {
            a[i, i] = 1;
            var others = Enumerable.Range(0, tasks).Where(j => j != i).ToArray();
            _random.Shuffle(others);
            foreach (var j in others)
            {
                var gNorm = Math.Sqrt(Quadratic(gram, a, i));
                var oNorm = Math.Sqrt(gram[j, j]);
                if (gNorm == 0 || oNorm == 0) continue;
                var phi = Enumerable.Range(0, tasks).Sum(m => a[i, m] * gram[m, j]) / (gNorm * oNorm);
                var target = _targets[i, j];
                if (phi < target)
                    a[i, j] += gNorm * (target * Math.Sqrt(1 - phi * phi) - phi * Math.Sqrt(1 - target * target)) / (oNorm * Math.Sqrt(1 - target * target));
                _targets[i, j] = (1 - beta) * target + beta * phi;
            }
        }
        return a;
    }

    /// <summary>The corrected gradients themselves, [tasks, n], for inspection.</summary>
    public Tensor Vaccinate(Tensor grads)
    {
        ArgumentNullException.ThrowIfNull(grads);
        return PcGrad.Matrix(Corrections(Gram(grads)), grads.device).matmul(grads);
    }

    // ‖Σ_m a_im·g_m‖² = a_iᵀ M a_i
    private static double Quadratic(double[,] gram, double[,] a, int i)
    {
        var k = gram.GetLength(0);
        double s = 0;
        for (var m = 0; m < k; m++)
            for (var n = 0; n < k; n++) s += a[i, m] * gram[m, n] * a[i, n];
        return s;
    }

    private static double[,] Fill(int tasks, double value)
    {
        var m = new double[tasks, tasks];
        for (var i = 0; i < tasks; i++)
            for (var j = 0; j < tasks; j++) m[i, j] = value;
        return m;
    }
}

/// <summary>Registers <see cref="GradVac"/>.</summary>
public sealed class GradVacPlugin : IBalancerPlugin
{
    public string Name => "gradvac";
    public string Summary => "task gradients moved toward a learned target cosine (Beta, Seed; Wang et al., ICLR 2021)";
    public int Order => 70;

    public Type? SettingsType => typeof(GradVacSettings);

    public IEnumerable<string> Problems(BalancerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Settings.Problems<GradVacSettings>(PluginSettingsJson.BalancerPath, Name);
    }

    public ILossBalancer Create(BalancerOptions options, int tasks, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Settings.Read<GradVacSettings>(Name);
        return new GradVac(tasks, settings.Beta, settings.Seed);
    }
}

/// <summary>The settings of GradVac.</summary>
public sealed class GradVacSettings : IPluginSettings
{
    /// <summary>The rate β of the exponential moving average of each pair's cosine.</summary>
    public double Beta { get; set; } = 0.01;

    /// <summary>The seed of the random task order.</summary>
    public int Seed { get; set; } = 1;

    public IEnumerable<string> Problems()
    {
        if (!(Beta is > 0 and <= 1)) yield return "Beta must be within (0, 1]";
    }
}
