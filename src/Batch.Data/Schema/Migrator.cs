using DbUp;
using DbUp.Engine;
using Npgsql;

namespace Batch.Data.Schema;

/// <summary>Applies the numbered SQL scripts of <c>migrations/</c> (embedded in this assembly), each once.</summary>
public static class Migrator
{
    private const string ResourcePrefix = "Batch.Migrations.";

    // Any 64-bit constant works; every migrator of every host takes the same one.
    private const long AdvisoryLockKey = 0x42617463_684d6967;

    /// <summary>Runs pending scripts under a database-wide advisory lock; returns the names of those it ran.</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(string connectionString, CancellationToken ct)
    {
        await using var lockConnection = new NpgsqlConnection(connectionString);
        await lockConnection.OpenAsync(ct).ConfigureAwait(false);
        await using (var take = new NpgsqlCommand("select pg_advisory_lock(@key)", lockConnection))
        {
            take.Parameters.AddWithValue("key", AdvisoryLockKey);
            await take.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        try
        {
            var upgrader = DeployChanges.To
                .PostgresqlDatabase(connectionString)
                .WithScriptsEmbeddedInAssembly(typeof(Migrator).Assembly, name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
                .JournalToPostgresqlTable("public", "schema_migrations")
                .WithTransactionPerScript()
                .LogToNowhere()
                .Build();
            DatabaseUpgradeResult result = upgrader.PerformUpgrade();
            if (!result.Successful)
                throw new InvalidOperationException(
                    $"Migration {result.ErrorScript?.Name ?? "(unknown script)"} failed: {result.Error?.Message}", result.Error);
            return result.Scripts.Select(s => s.Name[ResourcePrefix.Length..]).ToList();
        }
        finally
        {
            await using var release = new NpgsqlCommand("select pg_advisory_unlock(@key)", lockConnection);
            release.Parameters.AddWithValue("key", AdvisoryLockKey);
            await release.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
