using Batch.Core.Options;

namespace Batch.Modeling.Architectures;

/// <summary>Architectures by their configuration name.</summary>
public static class ArchitectureCatalog
{
    private static readonly Dictionary<string, Func<ArchitectureContext, MultiTaskNetwork>> Factories = new(StringComparer.Ordinal)
    {
        [ArchitectureOptions.SingleTask] = c => new SingleTask(c),
        [ArchitectureOptions.SharedBottom] = c => new SharedBottom(c),
        [ArchitectureOptions.Omoe] = c => new Omoe(c),
        [ArchitectureOptions.Mmoe] = c => new Mmoe(c),
        [ArchitectureOptions.Cgc] = c => new Ple(c, levels: 1),
        [ArchitectureOptions.Ple] = c => new Ple(c, c.Options.Levels),
        [ArchitectureOptions.SnrTrans] = c => new Snr(c, transform: true),
        [ArchitectureOptions.SnrAver] = c => new Snr(c, transform: false),
        [ArchitectureOptions.Logistic] = c => new Logistic(c),
    };

    public static IReadOnlyCollection<string> Names => Factories.Keys;

    /// <exception cref="ArgumentException">The name is unknown or the sizes cannot work; the message lists every problem.</exception>
    public static MultiTaskNetwork Create(ArchitectureContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problems = context.Options.Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException($"Architecture '{context.Options.Name}' cannot be built: {string.Join("; ", problems)}.");
        var network = Factories[context.Options.Name](context);
        return context.Options.Wide && context.Options.Name != ArchitectureOptions.Logistic ? new WideAndDeep(network, context) : network;
    }
}
