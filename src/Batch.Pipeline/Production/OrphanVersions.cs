using System.Globalization;
using Batch.Pipeline.Ledger;
using Batch.Publishing;
using Dapper;
using Npgsql;

namespace Batch.Pipeline.Production;

/// <summary>A version folder in storage that no ledger row records: what a publish left when it failed between its blob writes and its ledger write.</summary>
public sealed record OrphanVersion(string Model, string Version, string Prefix, string Location, IReadOnlyList<string> Blobs);

/// <summary>
/// Finds (and on request deletes) a model's version folders that the ledger does not record — written by an attempt
/// that failed before recording its version, or left by a create-only write applied twice. A folder of an attempt
/// still running under a live lease is not one: it is being written.
/// </summary>
public sealed class OrphanVersions(ModelStore store, NpgsqlDataSource dataSource)
{
    static OrphanVersions() => LedgerSql.Register();

    public async Task<IReadOnlyList<OrphanVersion>> FindAsync(string model, CancellationToken ct)
    {
        var folders = await store.VersionFoldersAsync(model, ct).ConfigureAwait(false);
        if (folders.Count == 0) return [];
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var recorded = (await connection.QueryAsync<string>(new CommandDefinition(
            "select blob_prefix from batch.model_versions where model = @model and container = @container",
            new { model, container = store.ContainerName }, cancellationToken: ct)).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        var running = (await connection.QueryAsync<long>(new CommandDefinition(
            $"select id from batch.runs where model = @model and status = 'running' and {LedgerSql.LeaseHolds}",
            new { model }, cancellationToken: ct)).ConfigureAwait(false)).ToHashSet();
        return folders
            .Where(f => !recorded.Contains(f.Prefix) && !(RunOf(f.Version) is { } run && running.Contains(run)))
            .Select(f => new OrphanVersion(model, f.Version, f.Prefix, store.Location(f.Prefix), f.Blobs))
            .ToList();
    }

    /// <summary>Deletes the blobs of each orphan; the ledger is not touched (it never recorded them).</summary>
    public async Task DeleteAsync(IEnumerable<OrphanVersion> orphans, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(orphans);
        foreach (var orphan in orphans) await store.DeleteAsync(orphan.Blobs, ct).ConfigureAwait(false);
    }

    /// <summary>The run that wrote a version named <c>{yyyyMMdd}-r{run}</c>, if the name is one.</summary>
    private static long? RunOf(string version)
    {
        var cut = version.LastIndexOf("-r", StringComparison.Ordinal);
        return cut > 0 && long.TryParse(version.AsSpan(cut + 2), NumberStyles.None, CultureInfo.InvariantCulture, out var run) ? run : null;
    }
}
