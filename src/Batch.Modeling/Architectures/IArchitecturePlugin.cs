using Batch.Core.Options;
using Batch.Modeling.Plugins;

namespace Batch.Modeling.Architectures;

/// <summary>An architecture, by name: what it requires of the shared sizes and of its own settings, and how it is built.</summary>
[PluginKind("architecture")]
public interface IArchitecturePlugin : IPlugin
{
    /// <summary>What is wrong with <paramref name="options"/> for this architecture; empty when it can be built.</summary>
    IEnumerable<string> Problems(ArchitectureOptions options);

    MultiTaskNetwork Create(ArchitectureContext context);

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

    /// <summary>The deep sizes, and the settings <paramref name="name"/> holds as <typeparamref name="T"/>.</summary>
    public static IEnumerable<string> With<T>(string name, ArchitectureOptions options) where T : IPluginSettings =>
        Problems(options).Concat(options.Settings.Problems<T>(PluginSettingsJson.ArchitecturePath, name));
}

/// <summary>The settings of an architecture with one pool of experts.</summary>
public sealed class ExpertPoolSettings : IPluginSettings
{
    /// <summary>The number of experts in the pool.</summary>
    public int Experts { get; set; } = 4;

    public IEnumerable<string> Problems()
    {
        if (Experts < 1) yield return "Experts must be at least 1";
    }
}
