using Batch.Core.Options;
using Batch.Modeling.Plugins;
using static TorchSharp.torch;

namespace Batch.Modeling.Balancers;

/// <summary>
/// Dynamic Weight Average: λ_t = T·exp(w_t/τ) / Σ_k exp(w_k/τ) with w_t = L_t(e−1) / L_t(e−2), the ratio of the
/// task's mean loss over the last two epochs; equal weights until two epochs exist.
/// </summary>
/// <remarks>Liu, Johns and Davison, "End-to-End Multi-Task Learning with Attention", CVPR 2019.</remarks>
public sealed class DynamicWeightAverage(double temperature) : WeightedSumBalancer
{
    private readonly List<double[]> _history = [];

    protected override double[] Weights(IReadOnlyList<Tensor> losses, BalancerContext context) => WeightsFor(losses.Count);

    public double[] WeightsFor(int tasks)
    {
        if (_history.Count < 2) return Enumerable.Repeat(1.0, tasks).ToArray();
        var last = _history[^1];
        var before = _history[^2];
        var scores = last.Select((l, t) => Math.Exp(l / before[t] / temperature)).ToArray();
        var sum = scores.Sum();
        return scores.Select(s => tasks * s / sum).ToArray();
    }

    public override void EndEpoch(IReadOnlyList<double> meanLosses) => _history.Add([.. meanLosses]);
}

/// <summary>Registers <see cref="DynamicWeightAverage"/>.</summary>
public sealed class DwaPlugin : IBalancerPlugin
{
    public string Name => "dwa";
    public string Summary => "weights from the tasks' recent loss ratios, softmax at Temperature (Liu et al., CVPR 2019)";
    public int Order => 30;

    public Type? SettingsType => typeof(DwaSettings);

    public IEnumerable<string> Problems(BalancerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Settings.Problems<DwaSettings>(PluginSettingsJson.BalancerPath, Name);
    }

    public ILossBalancer Create(BalancerOptions options, int tasks, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new DynamicWeightAverage(options.Settings.Read<DwaSettings>(Name).Temperature);
    }
}

/// <summary>The settings of DWA.</summary>
public sealed class DwaSettings : IPluginSettings
{
    /// <summary>The softmax temperature T.</summary>
    public double Temperature { get; set; } = 2.0;

    public IEnumerable<string> Problems()
    {
        if (!(Temperature > 0) || !double.IsFinite(Temperature)) yield return "Temperature must be a positive number";
    }
}
