namespace Batch.Modeling.Plugins;

/// <summary>
/// A named part of the model that a profile chooses by name — an architecture, a loss balancer, an interaction
/// layer. Each is one class in the file of the part it builds; the registry of its kind finds it there, so adding
/// one touches that file and its tests, nothing else.
/// </summary>
public interface IPlugin
{
    /// <summary>The name a profile selects it by.</summary>
    string Name { get; }

    /// <summary>One line for help texts and error messages.</summary>
    string Summary { get; }

    /// <summary>Where it comes in the lists the CLI prints and runs by default.</summary>
    int Order { get; }

    /// <summary>Whether it is what a profile that names none of its kind gets; one per kind.</summary>
    bool IsDefault => false;

    /// <summary>
    /// Its settings class (an <see cref="IPluginSettings"/>), read from the profile's settings under its name; null
    /// when it has no settings of its own.
    /// </summary>
    Type? SettingsType => null;

    /// <summary>Whether the lab's studies run it when none is named (the yardsticks and the no-op are left out).</summary>
    bool ListedByDefault => true;
}

/// <summary>What a kind of plug-in is called in messages ("architecture", "balancer").</summary>
[AttributeUsage(AttributeTargets.Interface)]
public sealed class PluginKindAttribute(string kind) : Attribute
{
    public string Kind { get; } = kind;
}
