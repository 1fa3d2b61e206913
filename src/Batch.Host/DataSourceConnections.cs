using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;

namespace Batch.Host;

/// <summary>
/// Hangfire's storage takes its connections from the process's one <see cref="NpgsqlDataSource"/>, so the ledger,
/// the extraction and the job storage share one pool and one set of connection settings.
/// </summary>
public sealed class DataSourceConnections(NpgsqlDataSource dataSource) : IConnectionFactory
{
    public NpgsqlConnection GetOrCreateConnection() => dataSource.CreateConnection();
}
