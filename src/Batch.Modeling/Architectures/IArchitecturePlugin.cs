using Batch.Core.Options;
using Batch.Modeling.Plugins;

namespace Batch.Modeling.Architectures;

/// <summary>An architecture, by name: which of the shared sizes it reads, what it requires of them, and how it is built.</summary>
[PluginKind("architecture")]
public interface IArchitecturePlugin : IPlugin
{
    /// <summary>What is wrong with <paramref name="options"/> for this architecture; empty when it can be built.</summary>
    IEnumerable<string> Problems(ArchitectureOptions options);

    MultiTaskNetwork Create(ArchitectureContext context);

    /// <summary>The sizes it reads, for the README's table and help texts.</summary>
    string Sizes { get; }

    /// <summary>Whether <c>Wide</c> adds the wide part beside it (not to what is the wide part alone).</summary>
    bool TakesWidePart => true;
}

/// <summary>What every architecture with experts and towers needs of the sizes.</summary>
public static class DeepSizes
{
    public static IEnumerable<string> Problems(ArchitectureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ExpertHidden.Count == 0 || options.ExpertHidden.Any(h => h < 1)) yield return "ExpertHidden needs at least one positive size";
        if (options.TowerHidden.Any(h => h < 1)) yield return "TowerHidden sizes must be positive";
    }

    /// <summary>The deep sizes, and a pool of <c>Experts</c> experts (OMoE, MMoE).</summary>
    public static IEnumerable<string> WithExperts(string name, ArchitectureOptions options)
    {
        foreach (var problem in Problems(options)) yield return problem;
        if (options.Experts < 1) yield return $"{name} needs Experts of at least 1";
    }
}
