using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Batch.Core.Options;

namespace Batch.Modeling.Plugins;

/// <summary>
/// Reads a plug-in's settings class from the JSON object a profile holds under the plug-in's name (its defaults
/// where the profile holds none), writes one back, and says what is wrong with what a profile holds.
/// </summary>
public static class PluginSettingsJson
{
    /// <summary>Where architectures' and interaction layers' settings are in a profile.</summary>
    public const string ArchitecturePath = "Architecture:Settings";

    /// <summary>Where balancers' settings are in a profile.</summary>
    public const string BalancerPath = "Training:Balancer:Settings";

    /// <summary>camelCase, as manifests are written; names are read without regard to case.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <exception cref="JsonException">The object held for <paramref name="name"/> does not fit <typeparamref name="T"/>.</exception>
    public static T Read<T>(this PluginSettings settings, string name) where T : class, IPluginSettings, new() =>
        (T)settings.Read(name, typeof(T));

    /// <exception cref="JsonException">The object held for <paramref name="name"/> does not fit <paramref name="type"/>.</exception>
    public static IPluginSettings Read(this PluginSettings settings, string name, Type type)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(type);
        var held = settings.Of(name);
        var read = held is null ? Activator.CreateInstance(type) : held.Deserialize(type, Json);
        return read as IPluginSettings ?? throw new JsonException($"The settings of '{name}' are null.");
    }

    /// <summary>Holds <paramref name="value"/> as <paramref name="name"/>'s settings, every setting written out.</summary>
    public static void Write(this PluginSettings settings, string name, IPluginSettings value)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(value);
        settings.Set(name, (JsonObject)JsonSerializer.SerializeToNode(value, value.GetType(), Json)!);
    }

    /// <summary>These options, holding <paramref name="value"/> as <paramref name="name"/>'s settings.</summary>
    public static ArchitectureOptions With(this ArchitectureOptions options, string name, IPluginSettings value)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Settings.Write(name, value);
        return options;
    }

    /// <summary>These options, holding <paramref name="value"/> as <paramref name="name"/>'s settings.</summary>
    public static BalancerOptions With(this BalancerOptions options, string name, IPluginSettings value)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Settings.Write(name, value);
        return options;
    }

    /// <summary>The settings a settings class has, as configuration names them.</summary>
    public static IReadOnlyList<string> SettingNames(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name)];
    }

    /// <summary>
    /// What is wrong with the settings held for <paramref name="name"/> read as <paramref name="type"/>: values that
    /// do not fit, then the settings class's own checks; each prefixed with <c>{path}:{name}:</c>.
    /// </summary>
    public static IEnumerable<string> Problems(PluginSettings settings, string path, string name, Type type)
    {
        IPluginSettings read;
        try { read = settings.Read(name, type); }
        catch (JsonException e) { return [$"{path}:{name} cannot be read: {e.Message}"]; }
        return read.Problems().Select(p => $"{path}:{name}:{p}");
    }

    /// <summary><see cref="Problems(PluginSettings, string, string, Type)"/> for <typeparamref name="T"/>.</summary>
    public static IEnumerable<string> Problems<T>(this PluginSettings settings, string path, string name) where T : IPluginSettings =>
        Problems(settings, path, name, typeof(T));

    /// <summary>
    /// What is wrong with everything held in <paramref name="settings"/>: a name that no plug-in of these kinds has,
    /// a setting its plug-in does not have, a value that does not fit or that the settings class refuses.
    /// </summary>
    public static IEnumerable<string> HeldProblems(PluginSettings settings, string path, IReadOnlyList<IPlugin> plugins)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(plugins);
        foreach (var name in settings.PluginNames())
        {
            var plugin = plugins.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
            var problems = plugin is null
                ? [$"{path}:{name} names no plug-in that has settings here (known: {string.Join(", ", plugins.Select(p => p.Name))})"]
                : HeldProblems(settings, path, plugin);
            foreach (var problem in problems) yield return problem;
        }
    }

    /// <summary>What is wrong with the settings held for <paramref name="plugin"/>; nothing when none are held.</summary>
    public static IEnumerable<string> HeldProblems(PluginSettings settings, string path, IPlugin plugin)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(plugin);
        if (settings.Of(plugin.Name) is not { } held) yield break;
        var known = plugin.SettingsType is { } type ? SettingNames(type) : [];
        var unknown = held.Select(p => p.Key).Where(k => !known.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
        foreach (var key in unknown)
            yield return known.Count == 0
                ? $"{path}:{plugin.Name}:{key}: {plugin.Name} has no settings"
                : $"{path}:{plugin.Name}:{key} is not a setting of {plugin.Name} (its settings: {string.Join(", ", known)})";
        if (unknown.Count > 0 || plugin.SettingsType is null) yield break;
        foreach (var problem in Problems(settings, path, plugin.Name, plugin.SettingsType)) yield return problem;
    }
}
