using System.Text.Json;
using Batch.Core.Results;
using Batch.Pipeline.Resilience;
using Dapper;
using Npgsql;
using Polly;

namespace Batch.Pipeline.Ledger;

/// <summary>
/// The run ledger of the <c>batch</c> schema: opens attempts, and reads runs, steps and reports. The writes of a
/// running attempt go through its <see cref="RunHold"/>, which fences them.
/// </summary>
public sealed class RunLedger(NpgsqlDataSource dataSource)
{
    private const string UniqueViolation = "23505";

    static RunLedger() => LedgerSql.Register();

    internal NpgsqlDataSource DataSource => dataSource;

    /// <summary>
    /// Opens the next attempt of (model, day), holding it through a fresh lease token. An earlier attempt still
    /// marked running whose own recorded lease has lapsed is marked abandoned first; one whose lease holds makes
    /// this call fail. Transient database errors are retried on fresh connections; a retry after a commit whose
    /// answer was lost finds its own token and returns that attempt.
    /// </summary>
    /// <exception cref="RunAlreadyActiveException">Another attempt of the same (model, day) holds the day.</exception>
    /// <param name="allowImmatureLabels">recorded on the run: it was told to train on a day whose conversion window had not closed</param>
    public Task<RunRecord> StartAsync(string model, DateOnly day, string trigger, string? jobId, TimeSpan lease, CancellationToken ct) =>
        StartAsync(model, day, trigger, jobId, lease, allowImmatureLabels: false, ct);

    /// <inheritdoc cref="StartAsync(string, DateOnly, string, string?, TimeSpan, CancellationToken)"/>
    public async Task<RunRecord> StartAsync(string model, DateOnly day, string trigger, string? jobId, TimeSpan lease, bool allowImmatureLabels, CancellationToken ct)
    {
        var token = Guid.NewGuid();
        var seconds = (int)Math.Max(1, Math.Ceiling(lease.TotalSeconds));
        return await TransientRetry.Create(dataSource).ExecuteAsync(
            async t => await StartOnceAsync(model, day, trigger, jobId, token, seconds, allowImmatureLabels, t).ConfigureAwait(false), ct).ConfigureAwait(false);
    }

    private async Task<RunRecord> StartOnceAsync(string model, DateOnly day, string trigger, string? jobId, Guid token, int seconds, bool allowImmatureLabels, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var mine = await connection.QuerySingleOrDefaultAsync<RunRecord>(new CommandDefinition(
            $"{LedgerSql.SelectRuns} where lease_token = @token", new { token }, cancellationToken: ct)).ConfigureAwait(false);
        if (mine is not null) return mine; // an earlier try committed, its answer was lost

        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            $"""
            with lapsed as (
                update batch.runs set status = 'abandoned', finished_at = now(),
                       error = format('its lease of %s s lapsed (last heartbeat %s, by %s); a new attempt took the day over at %s',
                                      lease_seconds, heartbeat_at, host, now())
                where model = @model and data_day = @day and status = 'running' and not ({LedgerSql.LeaseHolds})
                returning id)
            update batch.steps set status = 'failed', finished_at = now(), error = 'the attempt was abandoned: its lease lapsed'
            where run_id in (select id from lapsed) and status = 'running'
            """, new { model, day }, tx, cancellationToken: ct)).ConfigureAwait(false);
        try
        {
            var run = await connection.QuerySingleAsync<RunRecord>(new CommandDefinition(
                $"""
                insert into batch.runs (model, data_day, attempt, status, trigger, host, job_id, lease_token, lease_seconds, allow_immature_labels)
                select @model, @day, coalesce(max(attempt), 0) + 1, 'running', @trigger, @host, @jobId, @token, @seconds, @allowImmatureLabels
                from batch.runs where model = @model and data_day = @day
                returning {LedgerSql.RunColumns}
                """, new { model, day, trigger, host = Environment.MachineName, jobId, token, seconds, allowImmatureLabels }, tx, cancellationToken: ct)).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return run;
        }
        catch (PostgresException e) when (e.SqlState == UniqueViolation)
        {
            await tx.RollbackAsync(ct).ConfigureAwait(false);
            var active = await connection.QueryFirstOrDefaultAsync<RunRecord>(new CommandDefinition(
                $"{LedgerSql.SelectRuns} where model = @model and data_day = @day and status = 'running'", new { model, day }, cancellationToken: ct)).ConfigureAwait(false);
            throw new RunAlreadyActiveException(
                active is null
                    ? $"Another attempt of {model} for {day:yyyy-MM-dd} started at the same moment; this one stands down."
                    : $"Attempt {active.Attempt} of {model} for {day:yyyy-MM-dd} is still running (run {active.Id} on {active.Host}, started {active.StartedAt:u}, lease {active.LeaseSeconds} s, last heartbeat {active.HeartbeatAt:u}); wait for it, or for its lease to lapse if its process died.",
                e);
        }
    }

    /// <summary>The attempt of (model, day) that holds the day now — running, under a lease that has not lapsed — if any.</summary>
    public async Task<RunRecord?> HolderAsync(string model, DateOnly day, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<RunRecord>(new CommandDefinition(
            $"{LedgerSql.SelectRuns} where model = @model and data_day = @day and status = 'running' and {LedgerSql.LeaseHolds}",
            new { model, day }, cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<RunRecord> RunAsync(long runId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await connection.QuerySingleAsync<RunRecord>(new CommandDefinition(
            $"{LedgerSql.SelectRuns} where id = @runId", new { runId }, cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<RunRecord>> RunsAsync(string model, DateOnly? day, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await connection.QueryAsync<RunRecord>(new CommandDefinition(
            $"{LedgerSql.SelectRuns} where model = @model and (@day::date is null or data_day = @day) order by data_day, attempt",
            new { model, day }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.ToList();
    }

    public async Task<IReadOnlyList<StepRecord>> StepsAsync(long runId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await connection.QueryAsync<StepRecord>(new CommandDefinition(
            $"{LedgerSql.SelectSteps} where run_id = @runId order by ordinal",
            new { runId }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.ToList();
    }

    /// <summary>The detail a step recorded, typed (the records of StepDetails.cs); null when the step has not succeeded.</summary>
    public async Task<T?> StepDetailAsync<T>(long runId, string step, CancellationToken ct) where T : class
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var json = await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "select detail::text from batch.steps where run_id = @runId and step = @step and status = 'succeeded'", new { runId, step }, cancellationToken: ct)).ConfigureAwait(false);
        return json is null ? null : JsonSerializer.Deserialize<T>(json, StepDetailJson.Options);
    }

    /// <summary>
    /// Marks an attempt failed, if it still holds its day (running, under its token) — whether or not its process
    /// still counts on the lease. Transient errors are retried on fresh connections for up to
    /// <paramref name="budget"/>, so that a failure is not lost to a database restart.
    /// </summary>
    /// <returns>false when another attempt had taken the day over (the failure then goes into the note)</returns>
    public async Task<bool> FailAsync(RunRecord run, string error, string errorDetail, TimeSpan budget)
    {
        ArgumentNullException.ThrowIfNull(run);
        using var deadline = new CancellationTokenSource(budget);
        return await TransientRetry.UntilCancelled(dataSource, TimeSpan.FromSeconds(5)).ExecuteAsync(async t =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(t).ConfigureAwait(false);
            await using var tx = await connection.BeginTransactionAsync(t).ConfigureAwait(false);
            var failed = await connection.ExecuteAsync(new CommandDefinition(
                """
                update batch.runs set status = 'failed', finished_at = now(), error = @error, error_detail = @errorDetail
                where id = @id and lease_token = @token and status in ('running', 'failed')
                """, new { id = run.Id, token = run.LeaseToken, error, errorDetail }, tx, cancellationToken: t)).ConfigureAwait(false);
            if (failed == 1)
            {
                // The step that was open when the attempt failed ends with the run, with the run's error.
                await connection.ExecuteAsync(new CommandDefinition(
                    "update batch.steps set status = 'failed', finished_at = now(), error = @error where run_id = @id and status = 'running'",
                    new { id = run.Id, error }, tx, cancellationToken: t)).ConfigureAwait(false);
                await tx.CommitAsync(t).ConfigureAwait(false);
                return true;
            }
            await tx.RollbackAsync(t).ConfigureAwait(false);
            await connection.ExecuteAsync(new CommandDefinition(
                "update batch.runs set note = @note where id = @id", new { id = run.Id, note = "its process failed after losing the day: " + error }, cancellationToken: t)).ConfigureAwait(false);
            return false;
        }, deadline.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds what the process of an attempt that lost its hold saw to the error the taking-over attempt wrote. The
    /// row is no longer the attempt's, so only the note changes, never the status.
    /// </summary>
    public async Task NoteLostHoldAsync(long runId, string note, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "update batch.runs set note = @note where id = @runId and status <> 'running'", new { runId, note }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>A run with its gate decision, model version and promotion, where it got that far.</summary>
    public async Task<RunReport> ReportAsync(long runId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var run = await connection.QuerySingleAsync<RunRecord>(new CommandDefinition($"{LedgerSql.SelectRuns} where id = @runId", new { runId }, cancellationToken: ct)).ConfigureAwait(false);
        var gate = await connection.QuerySingleOrDefaultAsync<GateRow>(new CommandDefinition(
            $"select {GateRow.Columns} from batch.gate_decisions where run_id = @runId", new { runId }, cancellationToken: ct)).ConfigureAwait(false);
        var version = await connection.QuerySingleOrDefaultAsync<VersionRecord>(new CommandDefinition(
            $"{LedgerSql.SelectVersions} where run_id = @runId", new { runId }, cancellationToken: ct)).ConfigureAwait(false);
        var promotion = await connection.QueryFirstOrDefaultAsync<PromotionRecord>(new CommandDefinition(
            $"{LedgerSql.SelectPromotions} where run_id = @runId order by id desc limit 1", new { runId }, cancellationToken: ct)).ConfigureAwait(false);
        var diagnostics = await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "select (detail -> 'diagnostics')::text from batch.steps where run_id = @runId and step = 'evaluate' and status = 'succeeded'",
            new { runId }, cancellationToken: ct)).ConfigureAwait(false);
        return new RunReport(
            run,
            gate?.Decision(),
            gate is null ? [] : JsonSerializer.Deserialize<List<TaskMetrics>>(gate.CandidateMetrics, StepDetailJson.Options) ?? [],
            gate?.ProductionMetrics is null ? null : JsonSerializer.Deserialize<List<TaskMetrics>>(gate.ProductionMetrics, StepDetailJson.Options),
            gate?.ProductionVersion,
            version?.Version,
            version?.Status,
            version?.Location,
            diagnostics is null ? null : JsonSerializer.Deserialize<ModelDiagnostics>(diagnostics, StepDetailJson.Options),
            promotion);
    }
}

/// <summary>Another attempt of the same (model, day) holds the run.</summary>
public sealed class RunAlreadyActiveException(string message, Exception? inner) : Exception(message, inner);
