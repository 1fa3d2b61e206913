using System.Text.Json;
using Batch.Core.Results;
using Dapper;
using Npgsql;

namespace Batch.Pipeline.Ledger;

/// <summary>A run row of <c>batch.runs</c>.</summary>
public sealed class RunRecord
{
    public long Id { get; init; }
    public string Model { get; init; } = "";
    public DateOnly DataDay { get; init; }
    public int Attempt { get; init; }
    public string Status { get; init; } = "";
    public string Trigger { get; init; } = "";
    public string Host { get; init; } = "";
    public string? JobId { get; init; }
    public DateTime StartedAt { get; init; }
    public DateTime? FinishedAt { get; init; }
    public string? Error { get; init; }
}

/// <summary>A step row of <c>batch.steps</c>.</summary>
public sealed class StepRecord
{
    public long RunId { get; init; }
    public string Step { get; init; } = "";
    public int Ordinal { get; init; }
    public string Status { get; init; } = "";
    public string? Detail { get; init; }
    public string? Error { get; init; }
}

/// <summary>What the ledger knows of one run.</summary>
public sealed record RunReport(
    RunRecord Run, GateDecision? Gate, IReadOnlyList<TaskMetrics> Metrics, IReadOnlyList<TaskMetrics>? ProductionMetrics,
    string? ProductionVersion, string? Version, string? VersionStatus, string? BlobPrefix, ModelDiagnostics? Diagnostics);

/// <summary>Records runs, steps, gate decisions and model versions in the <c>batch</c> schema.</summary>
public sealed class RunLedger(NpgsqlDataSource dataSource)
{
    private const string UniqueViolation = "23505";

    static RunLedger() => SqlMapper.AddTypeHandler(new DateOnlyHandler());

    /// <summary>
    /// Opens the next attempt of (model, day). An earlier attempt still marked running whose heartbeat is older
    /// than <paramref name="lease"/> is marked abandoned first; one that is alive makes this call fail.
    /// </summary>
    /// <exception cref="RunAlreadyActiveException">Another attempt of the same (model, day) is running.</exception>
    public async Task<RunRecord> StartAsync(string model, DateOnly day, string trigger, string? jobId, TimeSpan lease, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            update batch.runs set status = 'abandoned', finished_at = now(),
                   error = 'no heartbeat since ' || heartbeat_at || '; the process running it is presumed dead'
            where model = @model and data_day = @day and status = 'running' and heartbeat_at < now() - @lease
            """, new { model, day, lease }, tx, cancellationToken: ct)).ConfigureAwait(false);
        try
        {
            var run = await connection.QuerySingleAsync<RunRecord>(new CommandDefinition(
                """
                insert into batch.runs (model, data_day, attempt, status, trigger, host, job_id)
                select @model, @day, coalesce(max(attempt), 0) + 1, 'running', @trigger, @host, @jobId
                from batch.runs where model = @model and data_day = @day
                returning id, model, data_day as DataDay, attempt, status, trigger, host, job_id as JobId,
                          started_at as StartedAt, finished_at as FinishedAt, error
                """, new { model, day, trigger, host = Environment.MachineName, jobId }, tx, cancellationToken: ct)).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return run;
        }
        catch (PostgresException e) when (e.SqlState == UniqueViolation)
        {
            await tx.RollbackAsync(ct).ConfigureAwait(false);
            var active = await connection.QueryFirstOrDefaultAsync<RunRecord>(new CommandDefinition(
                $"{SelectRuns} where model = @model and data_day = @day and status = 'running'", new { model, day }, cancellationToken: ct)).ConfigureAwait(false);
            throw new RunAlreadyActiveException(
                active is null
                    ? $"Another attempt of {model} for {day:yyyy-MM-dd} started at the same moment; this one stands down."
                    : $"Attempt {active.Attempt} of {model} for {day:yyyy-MM-dd} is still running (run {active.Id} on {active.Host}, started {active.StartedAt:u}); wait for it, or for its lease to lapse if its process died.",
                e);
        }
    }

    public Task HeartbeatAsync(long runId, CancellationToken ct) =>
        ExecuteAsync("update batch.runs set heartbeat_at = now() where id = @runId and status = 'running'", new { runId }, ct);

    public Task StartStepAsync(long runId, string step, int ordinal, CancellationToken ct) =>
        ExecuteAsync(
            "insert into batch.steps (run_id, step, ordinal, status) values (@runId, @step, @ordinal, 'running')",
            new { runId, step, ordinal }, ct);

    public Task FinishStepAsync(long runId, string step, object? detail, string? error, CancellationToken ct) =>
        ExecuteAsync(
            """
            update batch.steps set status = @status, finished_at = now(), detail = @detail::jsonb, error = @error
            where run_id = @runId and step = @step
            """,
            new { runId, step, status = error is null ? "succeeded" : "failed", detail = detail is null ? null : JsonSerializer.Serialize(detail), error }, ct);

    public Task FinishRunAsync(long runId, string status, string? error, CancellationToken ct) =>
        ExecuteAsync(
            "update batch.runs set status = @status, finished_at = now(), error = @error where id = @runId",
            new { runId, status, error }, ct);

    public Task RecordGateAsync(
        long runId, GateDecision decision, IReadOnlyList<TaskMetrics> candidateMetrics, IReadOnlyList<TaskMetrics>? productionMetrics,
        string? productionVersion, CancellationToken ct) =>
        ExecuteAsync(
            """
            insert into batch.gate_decisions (run_id, approved, verdict, reasons, candidate_metrics, production_metrics, production_version)
            values (@runId, @approved, @verdict, @reasons::jsonb, @candidate::jsonb, @production::jsonb, @productionVersion)
            """,
            new
            {
                runId,
                approved = decision.Approved,
                verdict = decision.Verdict,
                reasons = JsonSerializer.Serialize(decision.Reasons),
                candidate = JsonSerializer.Serialize(candidateMetrics),
                production = productionMetrics is null ? null : JsonSerializer.Serialize(productionMetrics),
                productionVersion,
            }, ct);

    public Task RecordVersionAsync(string version, string model, long runId, DateOnly day, bool promoted, string blobPrefix, object metrics, CancellationToken ct) =>
        ExecuteAsync(
            """
            insert into batch.model_versions (version, model, run_id, data_day, status, blob_prefix, metrics)
            values (@version, @model, @runId, @day, @status, @blobPrefix, @metrics::jsonb)
            """,
            new { version, model, runId, day, status = promoted ? "promoted" : "rejected", blobPrefix, metrics = JsonSerializer.Serialize(metrics) }, ct);

    public async Task<IReadOnlyList<RunRecord>> RunsAsync(string model, DateOnly? day, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await connection.QueryAsync<RunRecord>(new CommandDefinition(
            $"{SelectRuns} where model = @model and (@day::date is null or data_day = @day) order by data_day, attempt",
            new { model, day }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.ToList();
    }

    public async Task<IReadOnlyList<StepRecord>> StepsAsync(long runId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await connection.QueryAsync<StepRecord>(new CommandDefinition(
            "select run_id as RunId, step, ordinal, status, detail::text as Detail, error from batch.steps where run_id = @runId order by ordinal",
            new { runId }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.ToList();
    }

    /// <summary>A run with its gate decision and model version, where it got that far.</summary>
    public async Task<RunReport> ReportAsync(long runId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var run = await connection.QuerySingleAsync<RunRecord>(new CommandDefinition($"{SelectRuns} where id = @runId", new { runId }, cancellationToken: ct)).ConfigureAwait(false);
        var gate = await connection.QuerySingleOrDefaultAsync<GateRow>(new CommandDefinition(
            """
            select approved, verdict, reasons::text as Reasons, candidate_metrics::text as CandidateMetrics,
                   production_metrics::text as ProductionMetrics, production_version as ProductionVersion
            from batch.gate_decisions where run_id = @runId
            """, new { runId }, cancellationToken: ct)).ConfigureAwait(false);
        var version = await connection.QuerySingleOrDefaultAsync<VersionRow>(new CommandDefinition(
            "select version, status, blob_prefix as BlobPrefix from batch.model_versions where run_id = @runId", new { runId }, cancellationToken: ct)).ConfigureAwait(false);
        var diagnostics = await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "select (detail -> 'diagnostics')::text from batch.steps where run_id = @runId and step = 'evaluate' and status = 'succeeded'",
            new { runId }, cancellationToken: ct)).ConfigureAwait(false);
        return new RunReport(
            run,
            gate is null ? null : new GateDecision(gate.Approved, gate.Verdict, JsonSerializer.Deserialize<List<string>>(gate.Reasons) ?? []),
            gate is null ? [] : JsonSerializer.Deserialize<List<TaskMetrics>>(gate.CandidateMetrics) ?? [],
            gate?.ProductionMetrics is null ? null : JsonSerializer.Deserialize<List<TaskMetrics>>(gate.ProductionMetrics),
            gate?.ProductionVersion,
            version?.Version,
            version?.Status,
            version?.BlobPrefix,
            diagnostics is null ? null : JsonSerializer.Deserialize<ModelDiagnostics>(diagnostics));
    }

    private sealed class GateRow
    {
        public bool Approved { get; init; }
        public string Verdict { get; init; } = "";
        public string Reasons { get; init; } = "[]";
        public string CandidateMetrics { get; init; } = "[]";
        public string? ProductionMetrics { get; init; }
        public string? ProductionVersion { get; init; }
    }

    private sealed class VersionRow
    {
        public string Version { get; init; } = "";
        public string Status { get; init; } = "";
        public string BlobPrefix { get; init; } = "";
    }

    private const string SelectRuns =
        """
        select id, model, data_day as DataDay, attempt, status, trigger, host, job_id as JobId,
               started_at as StartedAt, finished_at as FinishedAt, error
        from batch.runs
        """;

    private async Task ExecuteAsync(string sql, object parameters, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: ct)).ConfigureAwait(false);
    }

    private sealed class DateOnlyHandler : SqlMapper.TypeHandler<DateOnly>
    {
        public override void SetValue(System.Data.IDbDataParameter parameter, DateOnly value) => parameter.Value = value;

        public override DateOnly Parse(object value) => value switch
        {
            DateOnly d => d,
            DateTime dt => DateOnly.FromDateTime(dt),
            _ => throw new InvalidCastException($"Cannot read {value.GetType()} as a day."),
        };
    }
}

/// <summary>Another attempt of the same (model, day) holds the run.</summary>
public sealed class RunAlreadyActiveException(string message, Exception inner) : Exception(message, inner);
