using static TorchSharp.torch;
using Batch.Core.Options;
using Batch.Modeling.Plugins;
namespace Batch.Modeling.Balancers;


/// <summary>
/// GradNorm: task weights learned so that each task's gradient norm on the shared dense parameters, w_t·‖∇L_t‖, moves
/// toward the mean norm scaled by the task's relative inverse training rate r_t^α, r_t = (L_t/L_t(0)) / mean_k(L_k/L_k(0)).
/// The weights are renormalised to sum to the number of tasks after every update.
/// </summary>
/// <remarks>
/// Chen et al., "GradNorm: Gradient Normalization for Adaptive Loss Balancing in Deep Multitask Networks", ICML 2018.
/// The norms are taken over all shared parameters. As G_t = w_t·‖∇L_t‖ is linear in w_t, the gradient of
/// L_grad = Σ |G_t − target_t| with respect to w_t is sign(G_t − target_t)·‖∇L_t‖, with no second-order graph;
/// and the model's gradient Σ w_t·∇L_t is assembled from the per-task gradients, so no extra backward pass runs.
/// </remarks>
public sealed class GradNorm(int tasks, double alpha, double learningRate) : GradientCombiningBalancer
{
    private readonly double[] _weights = Enumerable.Repeat(1.0, tasks).ToArray();
    private double[]? _initialLosses;

    public IReadOnlyList<double> CurrentWeights => _weights;

    protected override bool WeightsOwnParameters => true;

    protected override double[] Coefficients(double[,] gram, IReadOnlyList<double> losses)
    {
        ArgumentNullException.ThrowIfNull(gram);
        ArgumentNullException.ThrowIfNull(losses);
        _initialLosses ??= [.. losses];
        var used = _weights.ToArray();
        var norms = Enumerable.Range(0, tasks).Select(t => Math.Sqrt(gram[t, t])).ToArray();
        var g = norms.Select((n, t) => used[t] * n).ToArray();
        var meanG = g.Average();
        var ratios = losses.Select((l, t) => l / _initialLosses[t]).ToArray();
        var meanRatio = ratios.Average();
        for (var t = 0; t < tasks; t++)
        {
            var target = meanG * Math.Pow(ratios[t] / meanRatio, alpha);
            _weights[t] = Math.Max(1e-4, _weights[t] - learningRate * Math.Sign(g[t] - target) * norms[t]);
        }
        var scale = tasks / _weights.Sum();
        for (var t = 0; t < tasks; t++) _weights[t] *= scale;
        return used;
    }
}

/// <summary>Registers <see cref="GradNorm"/>.</summary>
public sealed class GradNormPlugin : IBalancerPlugin
{
    public string Name => "gradnorm";
    public string Summary => "weights that equalise the tasks' gradient norms at their training rates (Alpha, LearningRate)";
    public int Order => 20;

    public Type? SettingsType => typeof(GradNormSettings);

    public IEnumerable<string> Problems(BalancerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Settings.Problems<GradNormSettings>(PluginSettingsJson.BalancerPath, Name);
    }

    public ILossBalancer Create(BalancerOptions options, int tasks, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Settings.Read<GradNormSettings>(Name);
        return new GradNorm(tasks, settings.Alpha, settings.LearningRate);
    }
}

/// <summary>The settings of GradNorm.</summary>
public sealed class GradNormSettings : IPluginSettings
{
    /// <summary>The asymmetry α: how strongly a task that trains slower gets a larger gradient.</summary>
    public double Alpha { get; set; } = 1.5;

    /// <summary>The learning rate of the task weights.</summary>
    public double LearningRate { get; set; } = 0.025;

    public IEnumerable<string> Problems()
    {
        if (!(Alpha >= 0) || !double.IsFinite(Alpha)) yield return "Alpha must be finite and not negative";
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) yield return "LearningRate must be a positive number";
    }
}
