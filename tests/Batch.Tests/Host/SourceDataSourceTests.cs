using Batch.Core.Days;
using Batch.Data.Schema;
using Batch.Lab.Synthetic;
using Batch.Pipeline.Ledger;
using Batch.Tests.Support;
using Npgsql;
using Xunit;

namespace Batch.Tests.Host;

/// <summary>
/// <c>Batch:ConnectionStrings:Extraction</c>: the source tables are read from their own database (a read replica),
/// while the ledger stays on the primary; an unreachable source fails the extract step and loses nothing.
/// </summary>
[Collection(TorchGroup.Name)]
public sealed class SourceDataSourceTests(StackFixture stack) : IClassFixture<StackFixture>, IAsyncLifetime
{
    private const string Model = "replica";
    private static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
    private readonly string _database = "replica_" + Guid.NewGuid().ToString("N")[..10];
    private string _replica = "";

    public async Task InitializeAsync()
    {
        await AdminAsync($"create database {_database}");
        _replica = new NpgsqlConnectionStringBuilder(stack.Postgres) { Database = _database }.ConnectionString;
        await Migrator.ApplyAsync(_replica, CancellationToken.None);
        await using var source = NpgsqlDataSource.Create(_replica);
        await new SyntheticSeeder(source).SeedAsync(PipelineRig.LastDay, 6, 2000, seed: 5, Zone, 2, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await AdminAsync($"drop database if exists {_database} with (force)");
    }

    [Fact]
    public async Task ARunReadsTheSourceFromTheReplica_AndWritesTheLedgerOnThePrimary()
    {
        // The primary has the tables but not one impression: a run can only have trained on the replica's rows.
        Assert.Equal(0L, await stack.ScalarAsync<long>("select count(*) from impressions"));
        await using var rig = Rig(_replica);

        var outcome = await rig.RunAsync(Model);

        Assert.Equal((RunStatus.Succeeded, true), (outcome.Status, outcome.Promoted));
        var extract = await rig.Ledger.StepDetailAsync<ExtractDetail>(outcome.RunId, "extract", CancellationToken.None);
        var (start, _) = DataDays.Bounds(PipelineRig.LastDay.AddDays(-TinyProfiles.TrainingDays), Zone);
        var (_, end) = DataDays.Bounds(PipelineRig.LastDay, Zone);
        var replicaRows = await ReplicaScalarAsync($"select count(*) from impressions where event_time >= '{start:O}' and event_time < '{end:O}'");
        Assert.True(replicaRows > 0);
        Assert.Equal(replicaRows, extract!.TrainRows + extract.HeldOutRows);
        Assert.Equal(1L, await stack.ScalarAsync<long>($"select count(*) from batch.runs where model = '{Model}'"));
        Assert.Equal(0L, await ReplicaScalarAsync("select count(*) from batch.runs"));
    }

    [Fact]
    public async Task AnUnreachableSource_FailsTheExtractStep_AndPublishesNothing()
    {
        var missing = new NpgsqlConnectionStringBuilder(stack.Postgres) { Database = "no_such_replica" }.ConnectionString;
        await using var rig = Rig(missing);

        var e = await Assert.ThrowsAnyAsync<Exception>(() => rig.RunAsync("replica-down"));

        Assert.Contains("no_such_replica", e.Message, StringComparison.Ordinal);
        var run = (await rig.Ledger.RunsAsync("replica-down", PipelineRig.LastDay, CancellationToken.None))[^1];
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(("extract", StepStatus.Failed), (await rig.Ledger.StepsAsync(run.Id, CancellationToken.None)).Select(s => (s.Step, s.Status)).Last());
        Assert.Equal(0L, await stack.ScalarAsync<long>($"select count(*) from batch.model_versions where run_id = {run.Id}"));
    }

    private PipelineRig Rig(string extraction) =>
        new(stack.Postgres, stack.Blobs, stack.ContainerName, [Model, "replica-down"], extra: new() { ["Batch:ConnectionStrings:Extraction"] = extraction });

    private async Task<long> ReplicaScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_replica);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task AdminAsync(string sql)
    {
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(stack.Postgres) { Database = "postgres", Pooling = false }.ConnectionString);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand(sql, admin);
        await command.ExecuteNonQueryAsync();
    }
}
