using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using Batch.Core.Options;
using Batch.Modeling.Plugins;

namespace Batch.Host.Cli;

/// <summary>
/// What <c>batch plugins</c> prints: every architecture, interaction layer and loss balancer from the registries,
/// with its settings as the profile gives them (the settings class's defaults where it holds none).
/// </summary>
public static class PluginsPrinter
{
    private static readonly JsonSerializerOptions Readable = new(PluginSettingsJson.Json) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IEnumerable<string> Lines(string model, ModelProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var architecture = profile.Architecture;
        var balancer = profile.Training.Balancer;
        return Kind("architectures", $"Architecture:Name, {model}: {architecture.Name}", PluginSettingsJson.ArchitecturePath, Registries.Architectures.All, architecture.Name, architecture.Settings)
            .Concat(Kind("interaction layers", $"Architecture:Interaction, {model}: {architecture.Interaction}", PluginSettingsJson.ArchitecturePath, Registries.Interactions.All, architecture.Interaction, architecture.Settings))
            .Concat(Kind("loss balancers", $"Training:Balancer:Name, {model}: {balancer.Name}", PluginSettingsJson.BalancerPath, Registries.Balancers.All, balancer.Name, balancer.Settings));
    }

    private static IEnumerable<string> Kind(string title, string chosenBy, string path, IEnumerable<IPlugin> plugins, string named, PluginSettings held)
    {
        yield return $"{title} ({chosenBy}; settings under {path}:{{name}})";
        foreach (var plugin in plugins)
        {
            var marks = (plugin.IsDefault ? " (default)" : "") + (string.Equals(plugin.Name, named, StringComparison.OrdinalIgnoreCase) ? " *" : "");
            yield return $"  {plugin.Name + marks,-24} {plugin.Summary}";
            if (plugin.SettingsType is not { } type) continue;
            var settings = held.Read(plugin.Name, type);
            var values = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite)
                .Select(p => $"{p.Name}={JsonSerializer.Serialize(p.GetValue(settings), p.PropertyType, Readable)}");
            yield return $"  {"",-24} {string.Join(", ", values)}{(held.Of(plugin.Name) is null ? " (defaults)" : "")}";
        }
    }
}
