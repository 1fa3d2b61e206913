using Batch.Data.Schema;
using Batch.Tests.Support;
using Npgsql;
using Xunit;

namespace Batch.Tests.Data;

public sealed class MigratorTests : IAsyncLifetime
{
    private readonly string _database = "batch_mig_" + Guid.NewGuid().ToString("N")[..12];
    private string _connectionString = "";
    private string _admin = "";

    public async Task InitializeAsync()
    {
        var server = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("Batch__ConnectionStrings__Postgres") ?? "Host=127.0.0.1;Port=55432;Username=batch");
        _admin = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = "postgres" }.ConnectionString;
        _connectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = _database }.ConnectionString;
        await using var admin = new NpgsqlConnection(_admin);
        await admin.OpenAsync();
        await using var create = new NpgsqlCommand($"create database {_database}", admin);
        await create.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(_admin);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop database if exists {_database} with (force)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Every migration embedded in the build, in order.</summary>
    private static List<string> Scripts =>
        typeof(Migrator).Assembly.GetManifestResourceNames().Where(n => n.StartsWith("Batch.Migrations.", StringComparison.Ordinal))
            .Select(n => n["Batch.Migrations.".Length..]).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public async Task ApplyAsync_CreatesTheSchemaOnAnEmptyDatabase_ThenHasNothingLeftToDo()
    {
        var first = await Migrator.ApplyAsync(_connectionString, CancellationToken.None);
        Assert.Equal(Scripts, first);
        Assert.Equal(["0001_source_tables.sql", "0002_batch_ledger.sql", "0003_fencing_and_promotions.sql", "0004_gate_evidence.sql"], first.Take(4));

        var second = await Migrator.ApplyAsync(_connectionString, CancellationToken.None);
        Assert.Empty(second);

        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var tables = new NpgsqlCommand(
            """
            select string_agg(n.nspname || '.' || c.relname, ',' order by n.nspname, c.relname)
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p') and n.nspname in ('public', 'batch') and c.relname not like '%\_2%'
            """, connection);
        var names = (string)(await tables.ExecuteScalarAsync())!;
        Assert.Equal("batch.gate_decisions,batch.model_versions,batch.promotions,batch.runs,batch.schema_migrations,batch.steps", names);
        await using var outside = new NpgsqlCommand(
            "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname not in ('batch', 'pg_catalog', 'information_schema', 'pg_toast')", connection);
        Assert.Equal(0L, (long)(await outside.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task ApplyAsync_LeavesTheUsersOwnImpressionsAndConversionsTablesUntouched()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using (var own = new NpgsqlCommand(
            """
            create table impressions (view_ref text primary key, shown date);
            insert into impressions values ('a', '2026-01-01'), ('b', '2026-01-02');
            create table conversions (anything int);
            """, connection))
            await own.ExecuteNonQueryAsync();

        Assert.Equal(Scripts, await Migrator.ApplyAsync(_connectionString, CancellationToken.None));

        await using var check = new NpgsqlCommand(
            """
            select (select string_agg(attname, ',' order by attnum) from pg_attribute where attrelid = 'impressions'::regclass and attnum > 0),
                   (select string_agg(view_ref, ',' order by view_ref) from impressions),
                   (select string_agg(attname, ',' order by attnum) from pg_attribute where attrelid = 'conversions'::regclass and attnum > 0)
            """, connection);
        await using var row = await check.ExecuteReaderAsync();
        await row.ReadAsync();
        Assert.Equal(("view_ref,shown", "a,b", "anything"), (row.GetString(0), row.GetString(1), row.GetString(2)));
    }

    [Fact]
    public async Task ApplyAsync_RunsEachScriptOnce_WhenHostsStartTogether()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Migrator.ApplyAsync(_connectionString, CancellationToken.None)));
        Assert.Equal(Scripts.Count, results.Sum(r => r.Count));
    }

    [Fact]
    public async Task Migration0003_UpgradesALedgerWrittenBeforeIt_AndRecordsItsPromotedVersionsAsApplied()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        // The database as a release before 0003 left it: both scripts applied and journaled.
        foreach (var script in new[] { "0001_source_tables.sql", "0002_batch_ledger.sql" })
        {
            using var reader = new StreamReader(typeof(Migrator).Assembly.GetManifestResourceStream("Batch.Migrations." + script)!);
            await using var apply = new NpgsqlCommand(await reader.ReadToEndAsync(), connection);
            await apply.ExecuteNonQueryAsync();
        }
        await using (var old = new NpgsqlCommand(
            """
            create table public.schema_migrations (schemaversionsid serial primary key, scriptname varchar(255) not null, applied timestamp not null);
            insert into public.schema_migrations (scriptname, applied) values ('Batch.Migrations.0001_source_tables.sql', now()), ('Batch.Migrations.0002_batch_ledger.sql', now());
            insert into batch.runs (id, model, data_day, attempt, status, trigger, host) values
                (1, 'm', '2026-01-01', 1, 'succeeded', 'cli', 'h'), (2, 'm', '2026-01-02', 1, 'rejected', 'cli', 'h'), (3, 'm', '2026-01-03', 1, 'running', 'cli', 'h');
            insert into batch.model_versions (version, model, run_id, data_day, status, blob_prefix, metrics, created_at) values
                ('20260101-r1', 'm', 1, '2026-01-01', 'promoted', 'm/versions/20260101-r1/', '[]', '2026-01-02'),
                ('20260102-r2', 'm', 2, '2026-01-02', 'rejected', 'm/rejected/20260102-r2/', '[]', '2026-01-03');
            """, connection))
            await old.ExecuteNonQueryAsync();

        Assert.Equal(Scripts.Skip(2), await Migrator.ApplyAsync(_connectionString, CancellationToken.None));
        // The journal moved into the ledger's schema, its history kept.
        await using (var journal = new NpgsqlCommand("select to_regclass('public.schema_migrations') is null, (select count(*) from batch.schema_migrations)", connection))
        await using (var moved = await journal.ExecuteReaderAsync())
        {
            await moved.ReadAsync();
            Assert.Equal((true, (long)Scripts.Count), (moved.GetBoolean(0), moved.GetInt64(1)));
        }

        await using var check = new NpgsqlCommand(
            """
            select (select string_agg(status, ',' order by version) from batch.model_versions),
                   (select string_agg(version || ':' || status || ':' || kind, ',') from batch.promotions),
                   (select count(*) from batch.runs where lease_token is not null and lease_seconds = 1800)
            """, connection);
        await using var row = await check.ExecuteReaderAsync();
        await row.ReadAsync();
        Assert.Equal(("approved,rejected", "20260101-r1:applied:publish", 3L), (row.GetString(0), row.GetString(1), row.GetInt64(2)));
    }
}
