using Azure.Storage.Blobs;
using Batch.Data.Schema;
using Batch.Lab.Synthetic;
using Npgsql;
using Xunit;

namespace Batch.Tests.Support;

/// <summary>
/// A fresh database (migrated) and a fresh blob container on the local stack that deploy/local-stack.sh starts.
/// One per test class; dropped afterwards.
/// </summary>
public sealed class StackFixture : IAsyncLifetime
{
    private const string DefaultPostgres = "Host=127.0.0.1;Port=55432;Username=batch;Database=batch";
    private const string DefaultBlobs =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10100/devstoreaccount1";

    private readonly string _database;
    private NpgsqlDataSource? _dataSource;
    private BlobContainerClient? _container;

    public StackFixture() : this("batch_test_") { }

    /// <param name="prefix">the database's name before its random part; any characters (the name is quoted). Internal: xUnit
    /// builds class fixtures through their one public constructor.</param>
    internal StackFixture(string prefix) => _database = prefix + Guid.NewGuid().ToString("N")[..12];

    public string Postgres { get; private set; } = "";
    public string Blobs { get; } = Environment.GetEnvironmentVariable("Batch__ConnectionStrings__Blobs") ?? DefaultBlobs;
    public string ContainerName { get; } = "test-" + Guid.NewGuid().ToString("N")[..12];
    public NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("Fixture not initialised.");
    public BlobContainerClient Container => _container ?? throw new InvalidOperationException("Fixture not initialised.");

    public async Task InitializeAsync()
    {
        var server = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("Batch__ConnectionStrings__Postgres") ?? DefaultPostgres);
        await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = "postgres" }.ConnectionString))
        {
            try { await admin.OpenAsync(); }
            catch (NpgsqlException e)
            {
                throw new InvalidOperationException($"PostgreSQL is not reachable at {server.Host}:{server.Port}. Start the local stack: deploy/local-stack.sh start", e);
            }
            await using var create = new NpgsqlCommand($"create database \"{_database}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        Postgres = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = _database }.ConnectionString;
        await Migrator.ApplyAsync(Postgres, CancellationToken.None);
        _dataSource = NpgsqlDataSource.Create(Postgres);
        // The source the tests read: the canonical tables, which the tests (like the lab) create, never the product.
        await CanonicalSource.EnsureAsync(_dataSource, CancellationToken.None);
        _container = new BlobServiceClient(Blobs).GetBlobContainerClient(ContainerName);
        try { await _container.CreateAsync(); }
        catch (Azure.RequestFailedException e)
        {
            throw new InvalidOperationException("Azurite is not reachable. Start the local stack: deploy/local-stack.sh start", e);
        }
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null) await _dataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Postgres) { Database = "postgres" }.ConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop database if exists \"{_database}\" with (force)", admin);
        await drop.ExecuteNonQueryAsync();
        if (_container is not null) await _container.DeleteIfExistsAsync();
        var shards = TinyProfiles.ShardDirectory(Postgres);
        if (Directory.Exists(shards)) Directory.Delete(shards, recursive: true);
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        var value = await command.ExecuteScalarAsync();
        return (T)Convert.ChangeType(value!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// Tests that use TorchSharp run one at a time (its native state is per process), and so do the tests that start
/// Hangfire servers (Hangfire keeps some configuration process-wide).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchGroup
{
    public const string Name = "Torch";
}
