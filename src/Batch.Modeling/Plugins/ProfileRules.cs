using Batch.Core.Options;
using Batch.Modeling.Architectures;
using Batch.Modeling.Balancers;

namespace Batch.Modeling.Plugins;

/// <summary>
/// A profile checked whole: its own settings (<see cref="ModelProfile.Problems"/>) and what the plug-ins it names
/// require of them; and the plug-ins' defaults filled in where it names none.
/// </summary>
public static class ProfileRules
{
    /// <summary>Throws with every problem listed when the profile cannot work.</summary>
    /// <exception cref="InvalidOperationException">The message names the profile and every problem.</exception>
    public static void Validate(this ModelProfile profile, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var problems = Problems(profile).ToList();
        if (ModelNames.Problem(name) is { } badName) problems.Insert(0, badName);
        if (problems.Count > 0)
            throw new InvalidOperationException($"Model profile '{name}' is invalid: {string.Join("; ", problems)}.");
    }

    public static IEnumerable<string> Problems(ModelProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return profile.Problems().Concat(ArchitecturePlugins(profile.Architecture)).Concat(Balancer(profile.Training.Balancer))
            .Concat(HeldSettings(profile)).Distinct(StringComparer.Ordinal);
    }

    /// <summary>Every plug-in's settings the profile holds, those of plug-ins it does not name included (the lab's studies use them).</summary>
    private static IEnumerable<string> HeldSettings(ModelProfile profile) =>
        PluginSettingsJson.HeldProblems(profile.Architecture.Settings, PluginSettingsJson.ArchitecturePath, Registries.ArchitectureSettingsOwners)
            .Concat(PluginSettingsJson.HeldProblems(profile.Training.Balancer.Settings, PluginSettingsJson.BalancerPath, Registries.BalancerSettingsOwners));

    /// <summary>The sizes every architecture reads, then what the named architecture and interaction layer require.</summary>
    public static IEnumerable<string> Architecture(ArchitectureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Problems().Concat(ArchitecturePlugins(options));
    }

    /// <summary>The training settings, then what the named balancer requires.</summary>
    public static IEnumerable<string> Training(TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Problems().Concat(Balancer(options.Balancer));
    }

    public static IEnumerable<string> Balancer(BalancerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Registries.Balancers.Find(options.Name) is { } balancer
            ? balancer.Problems(options)
            : [Registries.Balancers.Unknown(options.Name)];
    }

    /// <summary>
    /// Names the defaults where the profile names no architecture, interaction layer or balancer, fills the sizes it
    /// names none of, and writes out every setting of the named ones (their defaults included), so that manifests record
    /// them: a profile that names only its features resolves to the documented default model.
    /// </summary>
    public static void ApplyDefaults(ModelProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (profile.Architecture.ExpertHidden.Count == 0) profile.Architecture.ExpertHidden = [.. ArchitectureOptions.DefaultExpertHidden];
        if (profile.Architecture.TowerHidden.Count == 0) profile.Architecture.TowerHidden = [.. ArchitectureOptions.DefaultTowerHidden];
        if (string.IsNullOrEmpty(profile.Architecture.Name)) profile.Architecture.Name = Registries.Architectures.Default.Name;
        if (string.IsNullOrEmpty(profile.Architecture.Interaction)) profile.Architecture.Interaction = Registries.Interactions.Default.Name;
        if (string.IsNullOrEmpty(profile.Training.Balancer.Name)) profile.Training.Balancer.Name = Registries.Balancers.Default.Name;
        WriteOut(profile.Architecture.Settings, Registries.Architectures.Find(profile.Architecture.Name));
        WriteOut(profile.Architecture.Settings, Registries.Interactions.Find(profile.Architecture.Interaction));
        WriteOut(profile.Training.Balancer.Settings, Registries.Balancers.Find(profile.Training.Balancer.Name));
    }

    /// <summary>Holds every setting of <paramref name="plugin"/>, its defaults written out, so that manifests record them.</summary>
    private static void WriteOut(PluginSettings settings, IPlugin? plugin)
    {
        if (plugin?.SettingsType is not { } type) return;
        // Settings that cannot be read are left as they are, for validation to name the problem.
        if (PluginSettingsJson.HeldProblems(settings, "", plugin).Any()) return;
        settings.Write(plugin.Name, settings.Read(plugin.Name, type));
    }

    private static IEnumerable<string> ArchitecturePlugins(ArchitectureOptions options)
    {
        if (Registries.Architectures.Find(options.Name) is not { } architecture)
            return [Registries.Architectures.Unknown(options.Name)];
        var interaction = Registries.Interactions.Find(options.Interaction);
        var layer = interaction is null ? [Registries.Interactions.Unknown(options.Interaction)] : interaction.Problems(options);
        // The wide part alone has no embeddings for a layer to work on.
        return architecture.TakesWidePart ? layer.Concat(architecture.Problems(options)) : architecture.Problems(options);
    }
}
