using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Batch.Core.Options;

namespace Batch.Publishing;

/// <summary>
/// Schema version 1 wrote the architecture's and the interaction layer's own settings flat in <c>architecture</c>,
/// beside the shared sizes. Version 2 holds them under <c>architecture.settings.{name}</c>. An upgraded version-1
/// manifest holds every flat setting under both names; each plug-in reads the settings it has and leaves the others.
/// </summary>
internal static class ManifestSchemaV1
{
    private static readonly HashSet<string> SharedKeys = typeof(ArchitectureOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name))
        .ToHashSet(StringComparer.OrdinalIgnoreCase);

    public static void Upgrade(JsonObject manifest)
    {
        if (manifest["architecture"] is not JsonObject architecture) return;
        var own = architecture.Where(p => !SharedKeys.Contains(p.Key)).ToList();
        var settings = new JsonObject();
        foreach (var name in new[] { architecture["name"], architecture["interaction"] }.Select(n => n?.GetValue<string>()).Where(n => !string.IsNullOrEmpty(n)).Distinct())
            settings[name!] = new JsonObject(own.Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        foreach (var (key, _) in own) architecture.Remove(key);
        architecture["settings"] = settings;
    }
}
