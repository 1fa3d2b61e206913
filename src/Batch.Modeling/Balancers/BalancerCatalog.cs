using Batch.Core.Options;
using static TorchSharp.torch;

namespace Batch.Modeling.Balancers;

/// <summary>Loss balancers by their configuration name.</summary>
public static class BalancerCatalog
{
    private static readonly Dictionary<string, Func<BalancerOptions, int, Device, ILossBalancer>> Factories = new(StringComparer.Ordinal)
    {
        [BalancerOptions.Fixed] = (o, _, _) => new FixedWeights(o.Weights),
        [BalancerOptions.Uncertainty] = (_, tasks, device) => new UncertaintyWeighting(tasks, device),
        [BalancerOptions.GradNorm] = (o, tasks, _) => new GradNorm(tasks, o.GradNormAlpha, o.GradNormLearningRate),
        [BalancerOptions.Dwa] = (o, _, _) => new DynamicWeightAverage(o.DwaTemperature),
        [BalancerOptions.PeLtr] = (o, _, _) => new PeLtr(o.LowerBounds),
        [BalancerOptions.Mgda] = (o, _, _) => new Mgda(o.MgdaNormalization),
        [BalancerOptions.PcGrad] = (o, _, _) => new PcGrad(o.Seed),
        [BalancerOptions.GradVac] = (o, tasks, _) => new GradVac(tasks, o.GradVacBeta, o.Seed),
    };

    public static IReadOnlyCollection<string> Names => Factories.Keys;

    public static ILossBalancer Create(BalancerOptions options, int tasks, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException($"Balancer '{options.Name}' cannot be built: {string.Join("; ", problems)}.");
        if (options.Weights.Count is not 0 && options.Weights.Count != tasks && options.Name == BalancerOptions.Fixed)
            throw new ArgumentException($"Balancer:Weights has {options.Weights.Count} weights for {tasks} tasks.");
        if (options.LowerBounds.Count is not 0 && options.LowerBounds.Count != tasks && options.Name == BalancerOptions.PeLtr)
            throw new ArgumentException($"Balancer:LowerBounds has {options.LowerBounds.Count} bounds for {tasks} tasks.");
        return Factories[options.Name](options, tasks, device);
    }
}
