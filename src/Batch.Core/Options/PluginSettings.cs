using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Batch.Core.Options;

/// <summary>
/// The settings of named plug-ins — architectures, interaction layers, loss balancers — as one JSON object per
/// plug-in name. Each plug-in reads its own object into a settings class of its own; this library knows none of
/// them. In configuration a plug-in's settings are <c>…:Settings:{name}:{setting}</c>; in a manifest,
/// <c>"settings": {"{name}": {…}}</c>. Names compare without regard to case, as configuration keys do.
/// </summary>
[JsonConverter(typeof(PluginSettingsConverter))]
public sealed class PluginSettings
{
    private readonly SortedDictionary<string, JsonObject> _byName = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The plug-in names that have settings here, in order.</summary>
    public IReadOnlyList<string> PluginNames() => [.. _byName.Keys];

    /// <summary>The settings written for <paramref name="name"/>; null when there are none (the plug-in's defaults apply).</summary>
    public JsonObject? Of(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Sets (replaces) the settings of <paramref name="name"/>; the object is copied.</summary>
    public void Set(string name, JsonObject settings)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(settings);
        _byName[name] = (JsonObject)settings.DeepClone();
    }

    public bool Remove(string name) => _byName.Remove(name);

    /// <summary>A deep copy, to change without touching these.</summary>
    public PluginSettings Copy()
    {
        var copy = new PluginSettings();
        foreach (var (name, settings) in _byName) copy.Set(name, settings);
        return copy;
    }

    public JsonObject ToJson() => new(_byName.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value.DeepClone())));
}

/// <summary>Writes <see cref="PluginSettings"/> as <c>{"name": {…}, …}</c> and reads it back.</summary>
public sealed class PluginSettingsConverter : JsonConverter<PluginSettings>
{
    public override PluginSettings Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var settings = new PluginSettings();
        if (JsonNode.Parse(ref reader) is not JsonObject byName)
            throw new JsonException("Plug-in settings must be a JSON object of one object per plug-in name.");
        foreach (var (name, value) in byName)
        {
            if (value is not JsonObject one) throw new JsonException($"The settings of '{name}' must be a JSON object.");
            settings.Set(name, one);
        }
        return settings;
    }

    public override void Write(Utf8JsonWriter writer, PluginSettings value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        value.ToJson().WriteTo(writer, options);
    }
}
