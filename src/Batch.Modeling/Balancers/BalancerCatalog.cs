using Batch.Core.Options;
using Batch.Modeling.Plugins;
using static TorchSharp.torch;

namespace Batch.Modeling.Balancers;

/// <summary>Loss balancers by their configuration name, from their registrations (<see cref="IBalancerPlugin"/>).</summary>
public static class BalancerCatalog
{
    public static IReadOnlyCollection<string> Names => Registries.Balancers.Names;

    public static ILossBalancer Create(BalancerOptions options, int tasks, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = ProfileRules.Balancer(options).ToList();
        if (problems.Count > 0) throw new ArgumentException($"Balancer '{options.Name}' cannot be built: {string.Join("; ", problems)}.");
        return Registries.Balancers.Get(options.Name).Create(options, tasks, device);
    }
}
