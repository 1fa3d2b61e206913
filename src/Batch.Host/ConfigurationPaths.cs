using Microsoft.Extensions.Configuration.Json;

namespace Batch.Host;

/// <summary>
/// Relative paths in the configuration resolve against the folder of the configuration file that set them — the
/// repository root for its appsettings.json, the executable's folder for the copy beside it — never against the
/// process's working folder, which depends on where and how it was started. A path set
/// elsewhere (an environment variable) resolves against the executable's folder, where the build puts jobs/.
/// </summary>
public static class ConfigurationPaths
{
    public static string Resolve(IConfiguration configuration, string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (Path.IsPathRooted(value)) return value;
        var folder = configuration is IConfigurationRoot root ? FolderOfFileSetting(root, key) : null;
        return Path.GetFullPath(Path.Combine(folder ?? AppContext.BaseDirectory, value));
    }

    /// <summary>The folder of the JSON file that gives <paramref name="key"/> its value, if a JSON file does.</summary>
    private static string? FolderOfFileSetting(IConfigurationRoot root, string key)
    {
        // The last provider with the key wins, as in configuration binding.
        foreach (var provider in root.Providers.Reverse())
        {
            if (!provider.TryGet(key, out _)) continue;
            if (provider is not JsonConfigurationProvider json || json.Source.Path is null) return null;
            var file = json.Source.FileProvider?.GetFileInfo(json.Source.Path).PhysicalPath;
            return file is null ? null : Path.GetDirectoryName(file);
        }
        return null;
    }
}
