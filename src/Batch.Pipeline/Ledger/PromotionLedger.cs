using Batch.Pipeline.Resilience;
using Dapper;
using Npgsql;
using Polly;

namespace Batch.Pipeline.Ledger;

/// <summary>An open promotion intent, with whether the one who recorded it may still be writing the pointer.</summary>
public sealed record OpenIntent(PromotionRecord Promotion, bool InFlight);

/// <summary>
/// The ledger's side of production: every move of a model's pointer (<c>batch.promotions</c>), from the intent
/// recorded before the pointer is written to the outcome after, and the versions a model has had.
/// </summary>
public sealed class PromotionLedger(NpgsqlDataSource dataSource)
{
    /// <summary>A manual move not settled within this long is taken to have died with its process.</summary>
    public static readonly TimeSpan ManualIntentTimeout = TimeSpan.FromMinutes(2);

    private readonly ResiliencePipeline _retry = TransientRetry.Create(dataSource);

    static PromotionLedger() => LedgerSql.Register();

    /// <summary>The last move that reached the pointer: what the ledger says is in production.</summary>
    public Task<PromotionRecord?> ProductionAsync(string model, CancellationToken ct) =>
        QueryAsync(c => c.QueryFirstOrDefaultAsync<PromotionRecord>(new CommandDefinition(
            $"{LedgerSql.SelectPromotions} where model = @model and status = 'applied' order by coalesce(settled_at, requested_at) desc, id desc limit 1",
            new { model }, cancellationToken: ct)), ct);

    /// <summary>
    /// The model's unsettled move, if any. It is in flight while its attempt runs under a live lease (or, for a
    /// manual move, for <see cref="ManualIntentTimeout"/>); otherwise whoever recorded it is gone.
    /// </summary>
    public Task<OpenIntent?> OpenIntentAsync(string model, CancellationToken ct) =>
        QueryAsync(async c =>
        {
            var row = await c.QueryFirstOrDefaultAsync<PromotionRecord>(new CommandDefinition(
                $"{LedgerSql.SelectPromotions} where model = @model and status = 'intent'", new { model }, cancellationToken: ct)).ConfigureAwait(false);
            if (row is null) return null;
            var inFlight = await c.QuerySingleAsync<bool>(new CommandDefinition(
                $"""
                select case when @runId::bigint is null then @requestedAt > now() - @timeout
                            else exists (select 1 from batch.runs where id = @runId and status = 'running' and {LedgerSql.LeaseHolds}) end
                """, new { runId = row.RunId, requestedAt = row.RequestedAt, timeout = ManualIntentTimeout }, cancellationToken: ct)).ConfigureAwait(false);
            return new OpenIntent(row, inFlight);
        }, ct);

    public Task<IReadOnlyList<PromotionRecord>> HistoryAsync(string model, CancellationToken ct) =>
        QueryAsync<IReadOnlyList<PromotionRecord>>(async c => (await c.QueryAsync<PromotionRecord>(new CommandDefinition(
            $"{LedgerSql.SelectPromotions} where model = @model order by id", new { model }, cancellationToken: ct)).ConfigureAwait(false)).ToList(), ct);

    public Task<VersionRecord?> VersionAsync(string model, string version, CancellationToken ct) =>
        QueryAsync(c => c.QueryFirstOrDefaultAsync<VersionRecord>(new CommandDefinition(
            $"{LedgerSql.SelectVersions} where model = @model and version = @version", new { model, version }, cancellationToken: ct)), ct);

    /// <summary>The containers the model's versions were written to, with how many each; empty for a model that never had one.</summary>
    public Task<IReadOnlyList<(string Container, int Versions)>> ContainersAsync(string model, CancellationToken ct) =>
        QueryAsync<IReadOnlyList<(string, int)>>(async c => (await c.QueryAsync<(string, int)>(new CommandDefinition(
            "select container, count(*)::int from batch.model_versions where model = @model group by container order by 2 desc",
            new { model }, cancellationToken: ct)).ConfigureAwait(false)).ToList(), ct);

    /// <summary>Records the intent of a manual move (rollback or promote) by <paramref name="actor"/>.</summary>
    public Task<long> BeginManualAsync(string model, PromotionKind kind, string version, string? expectedPrevious, string actor, string container, CancellationToken ct) =>
        TransactAsync((c, tx, t) => InsertIntentAsync(c, tx, model, kind, version, expectedPrevious, null, actor, container, t), ct);

    /// <summary>
    /// Settles a move outside the attempt that began it (reconcile, a manual move). When an attempt's move turns
    /// out to have reached the pointer, the attempt is recorded as succeeded, with a note of how it was settled.
    /// </summary>
    public Task<bool> SettleAsync(long promotionId, bool applied, string outcome, CancellationToken ct) =>
        TransactAsync(async (c, tx, t) =>
        {
            var runId = await SettleAsync(c, tx, promotionId, applied, outcome, t).ConfigureAwait(false);
            if (applied && runId is { } id)
            {
                var settled = await c.ExecuteAsync(new CommandDefinition(
                    """
                    update batch.runs set status = 'succeeded', finished_at = coalesce(finished_at, now()),
                           note = format('%s at %s: %s (it had ended %s: %s)', 'publish confirmed by reconcile', now(), @outcome, status, coalesce(error, '-'))
                    where id = @id and status in ('failed', 'abandoned')
                    """, new { id, outcome }, tx, cancellationToken: t)).ConfigureAwait(false);
                // The run and its publish step say the same: the step succeeded, with how it was settled and what it failed with first.
                if (settled == 1)
                    await c.ExecuteAsync(new CommandDefinition(
                        """
                        update batch.steps set status = 'succeeded', finished_at = coalesce(finished_at, now()), error = null,
                               detail = coalesce(detail, '{}'::jsonb) || jsonb_build_object('promoted', true, 'settledByReconcile', @outcome, 'failedFirst', error)
                        where run_id = @id and step = 'publish' and status <> 'succeeded'
                        """, new { id, outcome }, tx, cancellationToken: t)).ConfigureAwait(false);
            }
            return true;
        }, ct);

    internal static async Task<long> InsertIntentAsync(
        NpgsqlConnection c, NpgsqlTransaction tx, string model, PromotionKind kind, string version, string? expectedPrevious, long? runId,
        string actor, string container, CancellationToken ct)
    {
        var id = await c.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
            """
            insert into batch.promotions (model, kind, version, expected_previous, run_id, actor, container, status)
            values (@model, @kind, @version, @expectedPrevious, @runId, @actor, @container, 'intent')
            on conflict (model) where status = 'intent' do nothing
            returning id
            """, new { model, kind = kind.Text(), version, expectedPrevious, runId, actor, container }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (id is { } created) return created;
        var open = await c.QuerySingleAsync<PromotionRecord>(new CommandDefinition(
            $"{LedgerSql.SelectPromotions} where model = @model and status = 'intent'", new { model }, tx, cancellationToken: ct)).ConfigureAwait(false);
        // A retry whose first try committed finds its own intent.
        if (open.Version == version && open.RunId == runId && open.Kind == kind) return open.Id;
        throw new PromotionInFlightException(
            $"Another move of {model}'s production pointer has not settled: {open.Kind.Text()} of {open.Version} by {open.Actor}, recorded {open.RequestedAt:u} (promotion {open.Id}). Wait for it, or settle it with: batch reconcile --model {model}");
    }

    /// <returns>the run that began the move, if an attempt did</returns>
    internal static async Task<long?> SettleAsync(NpgsqlConnection c, NpgsqlTransaction tx, long promotionId, bool applied, string outcome, CancellationToken ct)
    {
        var row = await c.QuerySingleAsync<(string Status, long? RunId)>(new CommandDefinition(
            "select status, run_id from batch.promotions where id = @promotionId for update", new { promotionId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (LedgerValues.Parse<PromotionStatus>(row.Status) != PromotionStatus.Intent) return row.RunId; // settled already (a retried write, or reconcile came first)
        await c.ExecuteAsync(new CommandDefinition(
            "update batch.promotions set status = @status, settled_at = now(), outcome = @outcome where id = @promotionId",
            new { promotionId, status = (applied ? PromotionStatus.Applied : PromotionStatus.Failed).Text(), outcome }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return row.RunId;
    }

    /// <summary>One transaction, retried whole on transient errors with a fresh connection.</summary>
    private Task<T> TransactAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<T>> work, CancellationToken ct) =>
        _retry.ExecuteAsync(async t =>
        {
            await using var c = await dataSource.OpenConnectionAsync(t).ConfigureAwait(false);
            await using var tx = await c.BeginTransactionAsync(t).ConfigureAwait(false);
            var result = await work(c, tx, t).ConfigureAwait(false);
            await tx.CommitAsync(t).ConfigureAwait(false);
            return result;
        }, ct).AsTask();

    private Task<T> QueryAsync<T>(Func<NpgsqlConnection, Task<T>> query, CancellationToken ct) =>
        _retry.ExecuteAsync(async t =>
        {
            await using var c = await dataSource.OpenConnectionAsync(t).ConfigureAwait(false);
            return await query(c).ConfigureAwait(false);
        }, ct).AsTask();
}

/// <summary>Another move of the model's production pointer is recorded and not yet settled.</summary>
public sealed class PromotionInFlightException(string message) : Exception(message);
