namespace Batch.Modeling.Plugins;

/// <summary>
/// The settings class of a plug-in: its settings with their defaults, and its own checks. A plug-in names it in
/// <see cref="IPlugin.SettingsType"/> and reads it from the profile by its own name (<see cref="PluginSettingsJson"/>).
/// </summary>
public interface IPluginSettings
{
    /// <summary>What is wrong with these settings, each problem starting with the setting's name.</summary>
    IEnumerable<string> Problems();
}
