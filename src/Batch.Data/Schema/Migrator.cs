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

    private const string MoveJournal = """
        create schema if not exists batch;
        do $$ begin
            if to_regclass('public.schema_migrations') is not null and to_regclass('batch.schema_migrations') is null then
                alter table public.schema_migrations set schema batch;
            end if;
        end $$;
        """;

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
            // The journal lives in the ledger's schema: Batch creates nothing outside batch and hangfire. A ledger whose
            // journal is still where releases before kept it (public.schema_migrations) has it moved, history and all.
            await using (var journal = new NpgsqlCommand(MoveJournal, lockConnection))
            {
                await journal.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            var upgrader = DeployChanges.To
                .PostgresqlDatabase(connectionString)
                .WithScriptsEmbeddedInAssembly(typeof(Migrator).Assembly, name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
                .JournalToPostgresqlTable("batch", "schema_migrations")
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
