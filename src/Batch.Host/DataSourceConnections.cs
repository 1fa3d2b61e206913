using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;

namespace Batch.Host;

/// <summary>Hangfire's storage takes its connections from a data source of ours (its own pool, its own application name).</summary>
public sealed class DataSourceConnections(NpgsqlDataSource dataSource) : IConnectionFactory
{
    public NpgsqlConnection GetOrCreateConnection() => dataSource.CreateConnection();
}

/// <summary>
/// The pools of a process, each apart: the ledger's (and the Models page's reads), Hangfire's server storage (job fetches,
/// heartbeats), and the dashboard's storage (Hangfire's pages). However many page loads arrive, they take connections from
/// the dashboard's own bounded pool — never from the one the server's heartbeat needs.
/// </summary>
public sealed class HangfirePools(string connectionString, int dashboardConnections) : IAsyncDisposable, IDisposable
{
    public NpgsqlDataSource Server { get; } = Create(connectionString, "batch-hangfire", maxPool: null);

    public NpgsqlDataSource Dashboard { get; } = Create(connectionString, "batch-dashboard", dashboardConnections);

    private static NpgsqlDataSource Create(string connectionString, string application, int? maxPool)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(builder.ApplicationName)) builder.ApplicationName = application;
        if (maxPool is { } max) builder.MaxPoolSize = max;
        return NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync().ConfigureAwait(false);
        await Dashboard.DisposeAsync().ConfigureAwait(false);
    }

    public void Dispose()
    {
        Server.Dispose();
        Dashboard.Dispose();
    }
}
