using Batch.Modeling.Plugins;

namespace Batch.Modeling.Architectures;

/// <summary>Architectures by their configuration name, from their registrations (<see cref="IArchitecturePlugin"/>).</summary>
public static class ArchitectureCatalog
{
    public static IReadOnlyCollection<string> Names => Registries.Architectures.Names;

    /// <exception cref="ArgumentException">The name is unknown or the sizes cannot work; the message lists every problem.</exception>
    public static MultiTaskNetwork Create(ArchitectureContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problems = ProfileRules.Architecture(context.Options).ToList();
        if (problems.Count > 0) throw new ArgumentException($"Architecture '{context.Options.Name}' cannot be built: {string.Join("; ", problems)}.");
        var plugin = Registries.Architectures.Get(context.Options.Name);
        var network = plugin.Create(context);
        return (context.Options.Wide || context.Options.Shortcut) && plugin.TakesWidePart ? new WideAndDeep(network, context) : network;
    }
}
