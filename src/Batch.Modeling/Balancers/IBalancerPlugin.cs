using Batch.Core.Options;
using Batch.Modeling.Plugins;
using static TorchSharp.torch;

namespace Batch.Modeling.Balancers;

/// <summary>A loss balancer, by name: which of the balancer settings it reads, what it requires of them, and how it is built.</summary>
[PluginKind("balancer")]
public interface IBalancerPlugin : IPlugin
{
    IEnumerable<string> Problems(BalancerOptions options);

    /// <exception cref="ArgumentException">The settings do not fit <paramref name="tasks"/> tasks.</exception>
    ILossBalancer Create(BalancerOptions options, int tasks, Device device);
}
