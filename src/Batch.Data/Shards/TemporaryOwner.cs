using System.Diagnostics;
using System.Globalization;

namespace Batch.Data.Shards;

/// <summary>
/// Who writes a temporary entry of the shard folder (a spool folder, a shard not yet renamed): the host and process,
/// written into its name as <c>….{host}-{pid}.tmp</c>, so that a sweep can remove the entries of a process that is gone
/// at once, not only once they are older than the retention — a run that failed on a full disk must not leave its
/// spools to fill it for the next.
/// </summary>
public static class TemporaryOwner
{
    /// <summary>This process, as written into the names of its temporary entries (dots of the host name become underscores).</summary>
    public static string Current { get; } = string.Create(CultureInfo.InvariantCulture, $"{Host}-{Environment.ProcessId}");

    private static string Host => Environment.MachineName.Replace('.', '_').Replace('-', '_');

    /// <summary>
    /// Whether <paramref name="name"/> is a temporary entry of a process of this host that no longer runs. Entries of other
    /// hosts (the folder may be shared) and names without an owner are left to the retention.
    /// </summary>
    public static bool Gone(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!name.EndsWith(".tmp", StringComparison.Ordinal)) return false;
        var owner = name[..^".tmp".Length];
        owner = owner[(owner.LastIndexOf('.') + 1)..];
        var dash = owner.LastIndexOf('-');
        if (dash <= 0 || owner[..dash] != Host || !int.TryParse(owner.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return false;
        if (pid == Environment.ProcessId) return false;
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true; // no such process
        }
    }
}
