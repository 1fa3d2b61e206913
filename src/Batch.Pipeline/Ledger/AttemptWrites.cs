using System.Text.Json;
using Batch.Core.Results;
using Dapper;

namespace Batch.Pipeline.Ledger;

/// <summary>What a running attempt writes to the ledger; each write is fenced by the attempt's hold.</summary>
public static class AttemptWrites
{
    private const string StepSucceeded =
        "update batch.steps set status = 'succeeded', finished_at = now(), detail = @json::jsonb, error = null where run_id = @runId and step = @step";

    public static Task StartStepAsync(this RunHold hold, string step, int ordinal, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(hold);
        return hold.WriteAsync((c, tx, t) => c.ExecuteAsync(new CommandDefinition(
            """
            insert into batch.steps (run_id, step, ordinal, status) values (@runId, @step, @ordinal, 'running')
            on conflict (run_id, step) do update set status = 'running', ordinal = excluded.ordinal, started_at = now(), finished_at = null, error = null
            """, new { runId = hold.Run.Id, step, ordinal }, tx, cancellationToken: t)), ct);
    }

    /// <summary>The step's work is done: it succeeded, with its detail. (A failed step is closed by the run's failure record.)</summary>
    public static Task FinishStepAsync(this RunHold hold, string step, object detail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(hold);
        ArgumentNullException.ThrowIfNull(detail);
        var json = JsonSerializer.Serialize(detail, detail.GetType(), StepDetailJson.Options);
        return hold.WriteAsync((c, tx, t) => c.ExecuteAsync(new CommandDefinition(
            StepSucceeded, new { runId = hold.Run.Id, step, json }, tx, cancellationToken: t)), ct);
    }

    public static Task RecordGateAsync(
        this RunHold hold, GateDecision decision, IReadOnlyList<TaskMetrics> candidate, IReadOnlyList<TaskMetrics>? production,
        string? productionVersion, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(hold);
        ArgumentNullException.ThrowIfNull(decision);
        return hold.WriteAsync((c, tx, t) => c.ExecuteAsync(new CommandDefinition(
            """
            insert into batch.gate_decisions (run_id, approved, verdict, reasons, candidate_metrics, production_metrics, production_version, judgements, transfer)
            values (@runId, @approved, @verdict, @reasons::jsonb, @candidate::jsonb, @production::jsonb, @productionVersion, @judgements::jsonb, @transfer)
            on conflict (run_id) do nothing
            """,
            new
            {
                runId = hold.Run.Id,
                approved = decision.Approved,
                verdict = decision.Verdict,
                reasons = JsonSerializer.Serialize(decision.Reasons),
                candidate = JsonSerializer.Serialize(candidate, StepDetailJson.Options),
                production = production is null ? null : JsonSerializer.Serialize(production, StepDetailJson.Options),
                productionVersion,
                judgements = JsonSerializer.Serialize(decision.Judgements, StepDetailJson.Options),
                transfer = decision.Transfer,
            }, tx, cancellationToken: t)), ct);
    }

    /// <summary>The version the attempt wrote to storage: where, and whether the gate approved it.</summary>
    public static Task RecordVersionAsync(this RunHold hold, VersionRecord version, object metrics, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(hold);
        ArgumentNullException.ThrowIfNull(version);
        return hold.WriteAsync((c, tx, t) => c.ExecuteAsync(new CommandDefinition(
            """
            insert into batch.model_versions (version, model, run_id, data_day, status, blob_prefix, container, location, metrics)
            values (@Version, @Model, @RunId, @DataDay, @Status, @BlobPrefix, @Container, @Location, @metrics::jsonb)
            on conflict (version) do nothing
            """,
            new { version.Version, version.Model, version.RunId, version.DataDay, Status = version.Status.Text(), version.BlobPrefix, version.Container, version.Location, metrics = JsonSerializer.Serialize(metrics, StepDetailJson.Options) },
            tx, cancellationToken: t)), ct);
    }

    /// <summary>
    /// Records the intent to move the production pointer from <paramref name="expectedPrevious"/> to
    /// <paramref name="version"/>, before the pointer is written.
    /// </summary>
    /// <exception cref="PromotionInFlightException">Another move of the model's pointer has not settled.</exception>
    public static Task<long> RecordIntentAsync(this RunHold hold, string version, string? expectedPrevious, string container, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(hold);
        var run = hold.Run;
        return hold.WriteAsync((c, tx, t) => PromotionLedger.InsertIntentAsync(
            c, tx, run.Model, PromotionKind.Publish, version, expectedPrevious, run.Id, $"run {run.Id} on {run.Host}", container, t), ct);
    }

    /// <summary>
    /// Settles the attempt's promotion. When the pointer now names its version, the step and the attempt end as
    /// succeeded in the same transaction: the ledger never says one without the others.
    /// </summary>
    public static Task SettlePublishAsync(this RunHold hold, long promotionId, bool applied, string outcome, string step, object detail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(hold);
        ArgumentNullException.ThrowIfNull(detail);
        var json = JsonSerializer.Serialize(detail, detail.GetType(), StepDetailJson.Options);
        return hold.WriteAsync(async (c, tx, t) =>
        {
            await PromotionLedger.SettleAsync(c, tx, promotionId, applied, outcome, t).ConfigureAwait(false);
            if (!applied) return;
            await c.ExecuteAsync(new CommandDefinition(StepSucceeded, new { runId = hold.Run.Id, step, json }, tx, cancellationToken: t)).ConfigureAwait(false);
            await FinishAsync(c, tx, hold.Run.Id, RunStatus.Succeeded, null, null, t).ConfigureAwait(false);
        }, ct, finishedAs: applied ? RunStatus.Succeeded : null);
    }

    public static Task FinishRunAsync(this RunHold hold, RunStatus status, string? error, string? errorDetail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(hold);
        return hold.WriteAsync((c, tx, t) => FinishAsync(c, tx, hold.Run.Id, status, error, errorDetail, t), ct, finishedAs: status);
    }

    private static Task<int> FinishAsync(Npgsql.NpgsqlConnection c, Npgsql.NpgsqlTransaction tx, long runId, RunStatus status, string? error, string? errorDetail, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition(
            "update batch.runs set status = @status, finished_at = now(), error = @error, error_detail = @errorDetail where id = @runId",
            new { runId, status = status.Text(), error, errorDetail }, tx, cancellationToken: ct));
}
