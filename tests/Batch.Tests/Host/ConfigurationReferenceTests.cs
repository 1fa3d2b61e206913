using System.Collections;
using System.Globalization;
using System.Reflection;
using Batch.Core.Options;
using Batch.Modeling.Plugins;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Host;

/// <summary>
/// docs/configuration.md against the code: every setting the options classes and the plug-ins' settings classes bind is
/// a row with its type and the default the code gives it (a profile's defaults as a profile that names only its
/// features resolves them), and every row is a setting the code binds.
/// </summary>
public class ConfigurationReferenceTests
{
    private sealed record Setting(string Key, string Type, string Default);

    private static readonly NullabilityInfoContext Nullability = new();

    /// <summary>Every setting the code binds under <c>Batch</c>, with its type and default.</summary>
    private static List<Setting> CodeSettings()
    {
        var profile = new ModelProfile();
        ProfileRules.ApplyDefaults(profile);
        var settings = new List<Setting>();
        Walk(typeof(BatchOptions), new BatchOptions(), BatchOptions.Section, profile, settings);
        return settings;
    }

    private static void Walk(Type type, object instance, string prefix, ModelProfile profile, List<Setting> into)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }))
        {
            var key = $"{prefix}:{property.Name}";
            var value = property.GetValue(instance);
            var kind = property.PropertyType;
            if (kind == typeof(Dictionary<string, ModelProfile>)) Walk(typeof(ModelProfile), profile, $"{key}:{{model}}", profile, into);
            else if (kind == typeof(Dictionary<string, ColumnOptions>)) Walk(typeof(ColumnOptions), new ColumnOptions(), $"{key}:{{column}}", profile, into);
            else if (kind == typeof(Dictionary<string, string>)) into.Add(new Setting($"{key}:{{column}}", "string", "unset"));
            else if (kind == typeof(Dictionary<string, ConversionSourceOptions>)) Walk(typeof(ConversionSourceOptions), new ConversionSourceOptions(), $"{key}:{{event}}", profile, into);
            else if (kind == typeof(List<TaskOptions>)) Walk(typeof(TaskOptions), new TaskOptions(), $"{key}:{{n}}", profile, into);
            else if (kind == typeof(List<CrossOptions>)) Walk(typeof(CrossOptions), new CrossOptions(), $"{key}:{{n}}", profile, into);
            else if (kind == typeof(PluginSettings))
            {
                var owners = type == typeof(ArchitectureOptions) ? Registries.ArchitectureSettingsOwners : Registries.BalancerSettingsOwners;
                foreach (var owner in owners.Where(o => o.SettingsType is not null))
                    Walk(owner.SettingsType!, Activator.CreateInstance(owner.SettingsType!)!, $"{key}:{owner.Name}", profile, into);
            }
            else if (IsLeaf(kind)) into.Add(new Setting(key, TypeName(property), Format(value)));
            else Walk(kind, value ?? throw new InvalidOperationException($"{key} has no instance to read defaults from"), key, profile, into);
        }
    }

    private static bool IsLeaf(Type type)
    {
        var inner = Nullable.GetUnderlyingType(type) ?? type;
        if (inner.IsPrimitive || inner.IsEnum || inner == typeof(string) || inner == typeof(decimal)) return true;
        return inner.IsGenericType && inner.GetGenericTypeDefinition() == typeof(List<>) && IsLeaf(inner.GetGenericArguments()[0]);
    }

    private static string TypeName(PropertyInfo property)
    {
        var optional = Nullable.GetUnderlyingType(property.PropertyType) is not null
                       || (!property.PropertyType.IsValueType && Nullability.Create(property).WriteState == NullabilityState.Nullable);
        var name = Name(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType);
        return optional ? $"{name} (optional)" : name;
    }

    private static string Name(Type type) =>
        type == typeof(int) || type == typeof(long) ? "integer"
        : type == typeof(double) ? "number"
        : type == typeof(bool) ? "bool"
        : type == typeof(string) ? "string"
        : type.IsEnum ? $"one of {string.Join(", ", Enum.GetNames(type))}"
        : type.IsGenericType ? $"list of {Name(type.GetGenericArguments()[0])}"
        : throw new InvalidOperationException($"No documented name for {type}");

    private static string Format(object? value) => value switch
    {
        null => "unset",
        bool b => b ? "true" : "false",
        string s => s.Length == 0 ? "\"\"" : s,
        IEnumerable list => $"[{string.Join(", ", list.Cast<object?>().Select(Format))}]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static Dictionary<string, string[]> DocumentedRows() =>
        MarkdownReference.Read("configuration.md").Rows
            .Where(r => MarkdownReference.Code(r[0]).StartsWith("Batch:", StringComparison.Ordinal))
            .ToDictionary(r => MarkdownReference.Code(r[0]), r => r);

    [Fact]
    public void EverySettingOfTheCode_IsDocumentedWithItsTypeAndDefault()
    {
        var documented = DocumentedRows();
        var missing = new List<string>();
        foreach (var setting in CodeSettings())
        {
            if (!documented.TryGetValue(setting.Key, out var row)) missing.Add($"{setting.Key} ({setting.Type}, default {setting.Default}) is not in docs/configuration.md");
            else if (row.Length < 5) missing.Add($"{setting.Key}: the row needs key, type, default, range and meaning");
            else
            {
                if (row[1] != setting.Type) missing.Add($"{setting.Key}: documented type '{row[1]}', the code's is '{setting.Type}'");
                if (MarkdownReference.Code(row[2]) != setting.Default) missing.Add($"{setting.Key}: documented default '{row[2]}', the code's is '{setting.Default}'");
                if (row[3].Length == 0 || row[4].Length == 0) missing.Add($"{setting.Key}: range or meaning empty");
            }
        }
        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }

    [Fact]
    public void EveryDocumentedSetting_IsOneTheCodeBinds()
    {
        var code = CodeSettings().Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        var stale = DocumentedRows().Keys.Where(k => !code.Contains(k)).ToList();
        Assert.True(stale.Count == 0, "documented but not in the code: " + string.Join(", ", stale));
        Assert.True(code.Count >= 80, $"{code.Count} settings found: the walk over the options classes stopped short");
    }
}
