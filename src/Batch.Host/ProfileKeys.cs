using System.Collections;
using System.Reflection;
using Batch.Core.Options;
using Batch.Modeling.Plugins;
using Microsoft.Extensions.Configuration;

namespace Batch.Host;

/// <summary>
/// Keys under a model profile in configuration that name no setting. The configuration binder drops them without
/// a word, so a misspelt setting — or one written where it was before it moved under a plug-in's settings — would
/// silently train another model than the one configured.
/// </summary>
public static class ProfileKeys
{
    public static IEnumerable<string> Unknown(IConfiguration configuration, string model)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var path = $"{BatchOptions.Section}:{nameof(BatchOptions.Models)}:{model}";
        return Unknown(configuration.GetSection(path), typeof(ModelProfile), path);
    }

    /// <summary>Why the profile <paramref name="model"/> that configuration declares could not be read: the binder's own words.</summary>
    public static string WhyNotRead(IConfiguration configuration, string model)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var path = $"{BatchOptions.Section}:{nameof(BatchOptions.Models)}:{model}";
        try
        {
            configuration.GetSection(path).Get<ModelProfile>();
            return $"Model profile '{model}' ({path}) could not be read";
        }
        catch (InvalidOperationException e)
        {
            return $"Model profile '{model}' cannot be read: {e.Message}";
        }
    }

    private static IEnumerable<string> Unknown(IConfigurationSection section, Type type, string path)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true })
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            var at = $"{path}:{child.Key}";
            if (!properties.TryGetValue(child.Key, out var property))
            {
                yield return NotASetting(at, type, properties.Keys);
                continue;
            }
            foreach (var problem in Within(child, property.PropertyType, at)) yield return problem;
        }
    }

    /// <summary>The keys below a setting of <paramref name="type"/>: an options class's, or those of a dictionary's or a list's items.</summary>
    private static IEnumerable<string> Within(IConfigurationSection section, Type type, string path)
    {
        // Plug-in settings are read, and checked, by their plug-ins (PluginSettingsBinding, ProfileRules).
        if (type == typeof(PluginSettings) || type == typeof(string) || !type.IsClass) return [];
        if (typeof(IEnumerable).IsAssignableFrom(type))
        {
            // An array's or a list's item, a dictionary's value.
            var item = type.IsArray ? type.GetElementType()! : type.IsGenericType ? type.GetGenericArguments()[^1] : typeof(object);
            return item == typeof(object) ? [] : section.GetChildren().SelectMany(c => Within(c, item, $"{path}:{c.Key}"));
        }
        return Unknown(section, type, path);
    }

    private static string NotASetting(string at, Type type, IEnumerable<string> settings)
    {
        var key = at[(at.LastIndexOf(':') + 1)..];
        var text = $"{at} is not a setting ({type.Name}: {string.Join(", ", settings)})";
        var kinds = type == typeof(ArchitectureOptions) ? Registries.ArchitectureSettingsOwners
            : type == typeof(BalancerOptions) ? Registries.BalancerSettingsOwners
            : [];
        if (kinds.Count == 0) return text;
        var owners = kinds.Where(p => p.SettingsType is { } s && PluginSettingsJson.SettingNames(s).Contains(key, StringComparer.OrdinalIgnoreCase)).Select(p => p.Name).ToList();
        var parent = at[..at.LastIndexOf(':')];
        return owners.Count > 0
            ? $"{text}; it is a setting of {string.Join(", ", owners)}: write it as {string.Join(" or ", owners.Select(o => $"{parent}:Settings:{o}:{key}"))}"
            : $"{text}; a plug-in's own settings are under {parent}:Settings:{{name}}";
    }
}
