using System.Reflection;
using Batch.Modeling.Architectures;
using Batch.Modeling.Balancers;

namespace Batch.Modeling.Plugins;

/// <summary>
/// Every plug-in of kind <typeparamref name="T"/>: the concrete classes implementing it in its assembly, found once,
/// by name. Two with one name, or not exactly one default, fail at first use.
/// </summary>
public sealed class PluginRegistry<T> where T : class, IPlugin
{
    private readonly Lazy<List<T>> _discovered;

    public PluginRegistry() => _discovered = new(() => Discover(Kind));

    /// <summary>"architecture", "balancer", …</summary>
    public string Kind { get; } = typeof(T).GetCustomAttribute<PluginKindAttribute>()?.Kind ?? typeof(T).Name;

    /// <summary>Every plug-in of the kind, in their order.</summary>
    public IReadOnlyList<T> All => _discovered.Value;

    public IReadOnlyList<string> Names => [.. All.Select(p => p.Name)];

    /// <summary>The names the CLI runs when none is given.</summary>
    public IReadOnlyList<string> ListedNames => [.. All.Where(p => p.ListedByDefault).Select(p => p.Name)];

    public T Default => All.Single(p => p.IsDefault);

    /// <summary>The plug-in named <paramref name="name"/>; the default for an empty name.</summary>
    /// <exception cref="ArgumentException">No plug-in has that name; the message lists those that exist.</exception>
    public T Get(string? name) =>
        Find(name) ?? throw new ArgumentException(Unknown(name!));

    public T? Find(string? name) =>
        string.IsNullOrEmpty(name) ? Default : All.FirstOrDefault(p => p.Name == name);

    public string Unknown(string name) => $"unknown {Kind} '{name}' (available: {string.Join(", ", Names)})";

    private static List<T> Discover(string kind)
    {
        var found = typeof(T).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(T).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (T)Activator.CreateInstance(t)!)
            .OrderBy(p => p.Order).ThenBy(p => p.Name, StringComparer.Ordinal)
            .ToList();
        var twice = found.GroupBy(p => p.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (twice.Count > 0) throw new InvalidOperationException($"Two {kind} plug-ins are named {string.Join(", ", twice)}.");
        var defaults = found.Count(p => p.IsDefault);
        if (defaults != 1) throw new InvalidOperationException($"{defaults} {kind} plug-ins say they are the default; exactly one must.");
        return found;
    }
}

/// <summary>The registry of each kind of plug-in.</summary>
public static class Registries
{
    public static PluginRegistry<IArchitecturePlugin> Architectures { get; } = new();

    public static PluginRegistry<IBalancerPlugin> Balancers { get; } = new();

    public static PluginRegistry<IInteractionPlugin> Interactions { get; } = new();

    /// <summary>The plug-ins whose settings a profile holds under <c>Architecture:Settings</c>: architectures and interaction layers.</summary>
    public static IReadOnlyList<IPlugin> ArchitectureSettingsOwners => [.. Architectures.All, .. Interactions.All];

    /// <summary>The plug-ins whose settings a profile holds under <c>Training:Balancer:Settings</c>.</summary>
    public static IReadOnlyList<IPlugin> BalancerSettingsOwners => [.. Balancers.All];
}
