using Batch.Core.Options;
using Batch.Modeling.Plugins;
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

/// <summary>Registers <see cref="FixedWeights"/>, the default balancer.</summary>
public sealed class FixedPlugin : IBalancerPlugin
{
    public const string Id = "fixed";
    public string Name => Id;
    public string Summary => "Σ w_i L_i with constant weights (Weights; empty: 1 each)";
    public int Order => 0;
    public bool IsDefault => true;

    public Type? SettingsType => typeof(FixedSettings);

    public IEnumerable<string> Problems(BalancerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Settings.Problems<FixedSettings>(PluginSettingsJson.BalancerPath, Name);
    }

    public ILossBalancer Create(BalancerOptions options, int tasks, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        var weights = options.Settings.Read<FixedSettings>(Name).Weights;
        if (weights.Count is not 0 && weights.Count != tasks)
            throw new ArgumentException($"{PluginSettingsJson.BalancerPath}:{Name}:Weights has {weights.Count} weights for {tasks} tasks.");
        return new FixedWeights(weights);
    }
}

/// <summary>The settings of the fixed weights.</summary>
public sealed class FixedSettings : IPluginSettings
{
    /// <summary>One weight per task (empty: 1 each).</summary>
    public List<double> Weights { get; set; } = [];

    public IEnumerable<string> Problems()
    {
        if (Weights.Any(w => w < 0 || !double.IsFinite(w))) yield return "Weights must be finite and not negative";
    }
}
