using Npgsql;

namespace Batch.Lab.Synthetic;

/// <summary>
/// The canonical source tables — <c>impressions</c>, <c>conversions</c>, partitioned by day, and
/// <c>ensure_day_partitions</c> — which the source mapping's defaults name. The product never creates them: the lab does,
/// where it seeds a synthetic world, and so do the tests. Idempotent, and safe to run from several processes at once.
/// </summary>
public static class CanonicalSource
{
    // Any 64-bit constant works; every creator takes the same one, so concurrent creations do not collide.
    private const long LockKey = 0x42617463_68537263;

    private static readonly Lazy<string> Script = new(() =>
    {
        using var stream = typeof(CanonicalSource).Assembly.GetManifestResourceStream("Batch.Lab.Synthetic.CanonicalSource.sql")
            ?? throw new InvalidOperationException("CanonicalSource.sql is not embedded in batch-lab.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>Creates what is missing of the canonical tables, inside <paramref name="transaction"/>.</summary>
    public static async Task EnsureAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using (var take = new NpgsqlCommand("select pg_advisory_xact_lock(@key)", connection, transaction))
        {
            take.Parameters.AddWithValue("key", LockKey);
            await take.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await using var create = new NpgsqlCommand(Script.Value, connection, transaction);
        await create.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The same on a connection of its own.</summary>
    public static async Task EnsureAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await EnsureAsync(connection, transaction, ct).ConfigureAwait(false);
        await transaction.CommitAsync(ct).ConfigureAwait(false);
    }
}
