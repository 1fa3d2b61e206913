using System.Text.Json;
using Batch.Core.Results;
using Dapper;
using Npgsql;

namespace Batch.Pipeline.Ledger;

/// <summary>One attempt with everything the ledger has on it.</summary>
public sealed record AttemptView(
    RunRecord Run, IReadOnlyList<StepRecord> Steps, GateDecision? Gate, IReadOnlyList<TaskMetrics> Metrics,
    IReadOnlyList<TaskMetrics>? ProductionMetrics, string? ProductionVersion, VersionRecord? Version, PromotionRecord? Promotion);

/// <summary>A data day of a model with all its attempts, the latest last.</summary>
public sealed record DayView(DateOnly Day, IReadOnlyList<AttemptView> Attempts);

/// <summary>A model's recent history as the ledger has it, read in a handful of queries for the dashboard.</summary>
public sealed class ModelHistory(NpgsqlDataSource dataSource)
{
    static ModelHistory() => LedgerSql.Register();

    /// <summary>The <paramref name="days"/> most recent data days of <paramref name="model"/> that have runs, newest first.</summary>
    public async Task<IReadOnlyList<DayView>> DaysAsync(string model, int days, CancellationToken ct)
    {
        await using var c = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var runs = (await c.QueryAsync<RunRecord>(new CommandDefinition(
            $"""
            {LedgerSql.SelectRuns}
            where model = @model and data_day in (select distinct data_day from batch.runs where model = @model order by data_day desc limit @days)
            order by data_day desc, attempt
            """, new { model, days }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        var ids = runs.Select(r => r.Id).ToArray();
        var steps = (await c.QueryAsync<StepRecord>(new CommandDefinition(
            $"{LedgerSql.SelectSteps} where run_id = any(@ids) order by ordinal", new { ids }, cancellationToken: ct)).ConfigureAwait(false)).ToLookup(s => s.RunId);
        var gates = (await c.QueryAsync<GateRow>(new CommandDefinition(
            $"select {GateRow.Columns} from batch.gate_decisions where run_id = any(@ids)", new { ids }, cancellationToken: ct)).ConfigureAwait(false)).ToDictionary(g => g.RunId);
        var versions = (await c.QueryAsync<VersionRecord>(new CommandDefinition(
            $"{LedgerSql.SelectVersions} where run_id = any(@ids)", new { ids }, cancellationToken: ct)).ConfigureAwait(false)).ToDictionary(v => v.RunId);
        var promotions = (await c.QueryAsync<PromotionRecord>(new CommandDefinition(
            $"{LedgerSql.SelectPromotions} where run_id = any(@ids) order by id", new { ids }, cancellationToken: ct)).ConfigureAwait(false))
            .GroupBy(p => p.RunId!.Value).ToDictionary(g => g.Key, g => g.Last());

        return runs.GroupBy(r => r.DataDay).Select(day => new DayView(day.Key, day.Select(run =>
        {
            gates.TryGetValue(run.Id, out var gate);
            return new AttemptView(
                run, steps[run.Id].ToList(), gate?.Decision(),
                gate is null ? [] : JsonSerializer.Deserialize<List<TaskMetrics>>(gate.CandidateMetrics, StepDetailJson.Options) ?? [],
                gate?.ProductionMetrics is null ? null : JsonSerializer.Deserialize<List<TaskMetrics>>(gate.ProductionMetrics, StepDetailJson.Options),
                gate?.ProductionVersion, versions.GetValueOrDefault(run.Id), promotions.GetValueOrDefault(run.Id));
        }).ToList())).ToList();
    }

    /// <summary>The model's approved versions, newest first: what production can be rolled back to.</summary>
    public async Task<IReadOnlyList<VersionRecord>> ApprovedVersionsAsync(string model, CancellationToken ct)
    {
        await using var c = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await c.QueryAsync<VersionRecord>(new CommandDefinition(
            $"{LedgerSql.SelectVersions} where model = @model and status = 'approved' order by created_at desc", new { model }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
    }
}
