using System.Text.Json.Nodes;
using Batch.Core.Options;

namespace Batch.Lab.Benchmarks;

/// <summary>
/// Variant names as the benchmarks (and the tests) write them: an architecture's name, then any of "+wide" (the wide
/// part), "+shortcut" (the shortcut), "+fm" or "+dcn-v2" (the interaction layer), "+task-embeddings" (PLE's and CGC's
/// <c>TaskEmbeddings</c> setting), e.g. <c>ple+fm+wide+shortcut</c>.
/// </summary>
public static class ArchitectureVariants
{
    /// <summary><paramref name="sizes"/> under the variant's architecture, with its parts switched on and the others off.</summary>
    public static ArchitectureOptions Options(string variant, ArchitectureOptions sizes)
    {
        ArgumentNullException.ThrowIfNull(variant);
        ArgumentNullException.ThrowIfNull(sizes);
        var parts = variant.Split('+');
        var options = sizes.Named(parts[0]);
        options.Wide = parts.Contains("wide");
        options.Shortcut = parts.Contains("shortcut");
        options.Interaction = parts.Contains("fm") ? "fm" : parts.Contains("dcn-v2") ? "dcn-v2" : "none";
        if (parts.Contains("task-embeddings"))
        {
            var own = options.Settings.Of(parts[0]) ?? [];
            own["taskEmbeddings"] = true; // camelCase, as settings are written out
            options.Settings.Set(parts[0], own);
        }
        return options;
    }
}
