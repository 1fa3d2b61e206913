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

    [Fact]
    public async Task ApplyAsync_CreatesTheSchemaOnAnEmptyDatabase_ThenHasNothingLeftToDo()
    {
        var first = await Migrator.ApplyAsync(_connectionString, CancellationToken.None);
        Assert.Equal(["0001_source_tables.sql", "0002_batch_ledger.sql", "0003_fencing_and_promotions.sql"], first);

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
        Assert.Equal(
            "batch.gate_decisions,batch.model_versions,batch.promotions,batch.runs,batch.steps,public.conversions,public.impressions,public.schema_migrations,public.synthetic_truth",
            names);
    }

    [Fact]
    public async Task ApplyAsync_RunsEachScriptOnce_WhenHostsStartTogether()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Migrator.ApplyAsync(_connectionString, CancellationToken.None)));
        Assert.Equal(3, results.Sum(r => r.Count));
    }
}
