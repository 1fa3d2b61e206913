using Npgsql;

namespace Batch.Host;

/// <summary>
/// Where the source tables are read (extraction and the conversion checks): <c>Batch:ConnectionStrings:Extraction</c>
/// when set — a read replica, say — and otherwise the process's one pool on the primary. The ledger and Hangfire
/// always use the primary.
/// </summary>
public sealed class SourceDataSource(NpgsqlDataSource primary, string? extraction) : IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource? _own = string.IsNullOrWhiteSpace(extraction) ? null : NpgsqlDataSource.Create(extraction);

    public NpgsqlDataSource DataSource => _own ?? primary;

    public ValueTask DisposeAsync() => _own?.DisposeAsync() ?? ValueTask.CompletedTask;

    public void Dispose() => _own?.Dispose();
}
