using System.Text.Json.Nodes;
using Batch.Core.Options;
using Batch.Modeling.Plugins;
using Microsoft.Extensions.Configuration;

namespace Batch.Host;

/// <summary>
/// Reads each profile's plug-in settings (<c>Architecture:Settings:{name}</c>, <c>Training:Balancer:Settings:{name}</c>)
/// from configuration into the plug-in's own settings class, typed as the class says. A name no plug-in has, and a
/// setting the plug-in does not have, are kept as they are written, for validation to name them.
/// </summary>
public static class PluginSettingsBinding
{
    public static void Bind(IConfiguration configuration, BatchOptions options)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (model, profile) in options.Models)
        {
            var section = configuration.GetSection($"{BatchOptions.Section}:{nameof(BatchOptions.Models)}:{model}");
            Bind(section.GetSection(PluginSettingsJson.ArchitecturePath), profile.Architecture.Settings, Registries.ArchitectureSettingsOwners);
            Bind(section.GetSection(PluginSettingsJson.BalancerPath), profile.Training.Balancer.Settings, Registries.BalancerSettingsOwners);
        }
    }

    /// <summary>
    /// A list the configuration gives replaces the settings class's default list: the binder appends to a list that
    /// already has items (SNR's default SubNetworks 3, 2 and a profile's 4, 2 would make 3, 2, 4, 2).
    /// </summary>
    private static void ReplaceLists(IConfigurationSection held, IPluginSettings typed)
    {
        foreach (var property in typed.GetType().GetProperties().Where(p => p.CanWrite && p.PropertyType.IsGenericType && p.PropertyType.GetGenericTypeDefinition() == typeof(List<>)))
        {
            var given = held.GetChildren().FirstOrDefault(c => string.Equals(c.Key, property.Name, StringComparison.OrdinalIgnoreCase));
            if (given is not null && given.GetChildren().Any()) property.SetValue(typed, given.Get(property.PropertyType));
        }
    }

    private static void Bind(IConfigurationSection section, PluginSettings settings, IReadOnlyList<IPlugin> plugins)
    {
        foreach (var held in section.GetChildren())
        {
            var plugin = plugins.FirstOrDefault(p => string.Equals(p.Name, held.Key, StringComparison.OrdinalIgnoreCase));
            var known = plugin?.SettingsType is { } type ? PluginSettingsJson.SettingNames(type) : [];
            JsonObject written;
            if (plugin?.SettingsType is { } settingsType)
            {
                var typed = (IPluginSettings)(held.Get(settingsType) ?? Activator.CreateInstance(settingsType)!);
                ReplaceLists(held, typed);
                settings.Write(plugin.Name, typed);
                written = settings.Of(plugin.Name)!;
            }
            else written = [];
            foreach (var unknown in held.GetChildren().Where(c => !known.Contains(c.Key, StringComparer.OrdinalIgnoreCase)))
                written[unknown.Key] = unknown.Value;
            settings.Set(plugin?.Name ?? held.Key, written);
        }
    }
}
