using System.Text.Json;
using Batch.Pipeline.Ledger;
using Batch.Tests.Support;
using Npgsql;
using Xunit;

namespace Batch.Tests.Pipeline.Faults;

/// <summary>
/// PostgreSQL stopped and restarted under a running attempt — a real server of the test's own, shut down fast
/// (open connections cut with 57P01) and started again. Each test then checks what survived: the run's outcome,
/// the pointer moved exactly once to an approved version, the ledger agreeing with it, and a re-run succeeding.
/// </summary>
[Collection(TorchGroup.Name)]
public sealed class PostgresRestartTests(ThrowawayPostgres postgres, StackFixture stack) : IClassFixture<ThrowawayPostgres>, IClassFixture<StackFixture>, IAsyncLifetime
{
    // Long enough to ride out a restart (about a second); short enough that the heartbeat runs during one.
    private static readonly Dictionary<string, string?> ShortLease = new() { ["Batch:RunLeaseMinutes"] = "0.2" };
    private NpgsqlDataSource _db = null!;

    public async Task InitializeAsync()
    {
        // Unpooled: a pooled connection of the test's own would not survive the restarts either.
        _db = NpgsqlDataSource.Create(postgres.ConnectionString + ";Pooling=false");
        await using var rig = Rig("seed");
        await rig.SeedAsync();
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private PipelineRig Rig(string model, params FaultObserver[] observers) =>
        new(postgres.ConnectionString, stack.Blobs, stack.ContainerName, [model], observers, extra: ShortLease);

    private void Restart(TimeSpan down)
    {
        postgres.StopAsync().GetAwaiter().GetResult();
        Thread.Sleep(down);
        postgres.StartAsync().GetAwaiter().GetResult();
    }

    [Fact]
    public async Task ARestartMidExtraction_CutsTheRead_WhichIsReadAgain_AndTheRunSucceeds()
    {
        var fault = FaultObserver.AtProgress("extract", p => p.Done >= 1, _ => Restart(TimeSpan.FromMilliseconds(500)));
        await using var rig = Rig("pg-extract", fault);

        var outcome = await rig.RunAsync("pg-extract");

        Assert.True(fault.Fired);
        Assert.Equal((RunStatus.Succeeded, true), (outcome.Status, outcome.Promoted));
        var extract = (await rig.Ledger.StepDetailAsync<ExtractDetail>(outcome.RunId, "extract", CancellationToken.None))!;
        Assert.Equal(3 * 2000, extract.TrainRows); // every row, once
        Assert.Equal(outcome.Version, await ProductionInvariants.AssertAsync(rig, _db, "pg-extract", moves: 1));
        await ProductionInvariants.RerunSucceedsAsync(rig, _db, "pg-extract", moves: 2);
    }

    [Fact]
    public async Task ARestartMidTraining_IsRiddenOutByTheHeartbeat_AndTheRunSucceeds()
    {
        // Down for longer than a heartbeat interval (a quarter of the 12 s lease), shorter than the lease.
        var fault = FaultObserver.AtProgress("train", p => p.Batch == 1, _ => Restart(TimeSpan.FromSeconds(4)));
        await using var rig = Rig("pg-train", fault);

        var outcome = await rig.RunAsync("pg-train");

        Assert.True(fault.Fired);
        Assert.Equal((RunStatus.Succeeded, true), (outcome.Status, outcome.Promoted));
        Assert.Equal(outcome.Version, await ProductionInvariants.AssertAsync(rig, _db, "pg-train", moves: 1));
        await ProductionInvariants.RerunSucceedsAsync(rig, _db, "pg-train", moves: 2);
    }

    [Fact]
    public async Task ARestartJustBeforeTheStepFinishWrite_DoesNotLoseTheFinishedTraining()
    {
        // Training is done; the server restarts; the write that records it meets a pooled connection the
        // server closed (57P01) and is retried on a fresh one.
        var fault = FaultObserver.WhenDone("train", _ => Restart(TimeSpan.FromMilliseconds(200)));
        await using var rig = Rig("pg-finish", fault);

        var outcome = await rig.RunAsync("pg-finish");

        Assert.True(fault.Fired);
        Assert.Equal(RunStatus.Succeeded, outcome.Status);
        var steps = await rig.Ledger.StepsAsync(outcome.RunId, CancellationToken.None);
        Assert.Equal(["preflight", "extract", "validate", "train", "evaluate", "gate", "publish"], steps.Select(s => s.Step));
        Assert.All(steps, s => Assert.Equal(StepStatus.Succeeded, s.Status));
        Assert.Equal(2, (await rig.Ledger.StepDetailAsync<TrainDetail>(outcome.RunId, "train", CancellationToken.None))!.Epochs.Count);
        Assert.Equal(outcome.Version, await ProductionInvariants.AssertAsync(rig, _db, "pg-finish", moves: 1));
        await ProductionInvariants.RerunSucceedsAsync(rig, _db, "pg-finish", moves: 2);
    }

    [Fact]
    public async Task AnOutageLongerThanTheLease_StopsTheAttemptItself_BeforeItPublishes()
    {
        // Down for longer than the 12 s lease: the attempt cannot renew, stops itself, and records why once the
        // server is back; nothing is published.
        var fault = FaultObserver.AtProgress("train", p => p.Batch == 1, _ =>
        {
            postgres.StopAsync().GetAwaiter().GetResult();
            Thread.Sleep(TimeSpan.FromSeconds(13));
            postgres.StartAsync().GetAwaiter().GetResult();
        });
        await using var rig = Rig("pg-outage", fault);

        var e = await Assert.ThrowsAsync<RunHoldLostException>(() => rig.RunAsync("pg-outage"));

        Assert.False(e.TakenOver);
        Assert.Contains("could not renew its lease of 12 s", e.Message, StringComparison.Ordinal);
        var run = Assert.Single(await rig.Ledger.RunsAsync("pg-outage", PipelineRig.LastDay, CancellationToken.None));
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("could not renew", run.Error, StringComparison.Ordinal);
        var steps = await rig.Ledger.StepsAsync(run.Id, CancellationToken.None);
        Assert.Equal(("train", StepStatus.Failed), (steps[^1].Step, steps[^1].Status));
        Assert.Empty(ProductionInvariants.Blobs(rig, "pg-outage"));
        Assert.Null(await ProductionInvariants.AssertAsync(rig, _db, "pg-outage", moves: 0));
        await ProductionInvariants.RerunSucceedsAsync(rig, _db, "pg-outage", moves: 1);
    }

    [Fact]
    public async Task APointerWriteAppliedWhileTheLeaseIsLost_LeavesTheLedgerSayingSo_AndReconcileSettlesRunAndStep()
    {
        await using (var first = Rig("pg-pointer"))
            await first.RunAsync("pg-pointer", PipelineRig.LastDay.AddDays(-1));
        // Storage applies the pointer write; before its answer arrives PostgreSQL is away for longer than the lease, so
        // the attempt loses its hold while the write is in flight.
        var slow = new LostResponsePolicy(LostResponsePolicy.PointerWrite, afterApplied: () => Restart(TimeSpan.FromSeconds(13)), drop: false);
        await using var rig = new PipelineRig(postgres.ConnectionString, stack.Blobs, stack.ContainerName, ["pg-pointer"], storagePolicy: slow, extra: ShortLease);

        var e = await Assert.ThrowsAsync<Batch.Pipeline.Production.PublishOutcomeUnknownException>(() => rig.RunAsync("pg-pointer"));

        Assert.True(slow.Dropped);
        Assert.DoesNotContain("published nothing", e.Message, StringComparison.Ordinal);
        Assert.Contains("batch reconcile --model pg-pointer", e.Message, StringComparison.Ordinal);
        var run = (await rig.Ledger.RunsAsync("pg-pointer", PipelineRig.LastDay, CancellationToken.None)).Single();
        Assert.Equal((RunStatus.Failed, e.Message), (run.Status, run.Error));
        var (pointer, _) = await rig.Store.GetPointerAsync("pg-pointer", CancellationToken.None);
        var version = await _db.CreateCommand($"select version from batch.model_versions where run_id = {run.Id}").ExecuteScalarAsync();
        Assert.Equal(version, pointer!.Version); // storage applied it

        var state = await rig.Reconciler.ReconcileAsync("pg-pointer", CancellationToken.None);
        Assert.Contains("applied", Assert.Single(state.Repairs), StringComparison.Ordinal);
        Assert.Equal(RunStatus.Succeeded, (await rig.Ledger.RunAsync(run.Id, CancellationToken.None)).Status);
        var steps = await rig.Ledger.StepsAsync(run.Id, CancellationToken.None);
        Assert.All(steps, s => Assert.Equal(StepStatus.Succeeded, s.Status));
        Assert.Contains("settledByReconcile", steps[^1].Detail, StringComparison.Ordinal);
        Assert.Equal(pointer.Version, await ProductionInvariants.AssertAsync(rig, _db, "pg-pointer", moves: 2));
        await ProductionInvariants.RerunSucceedsAsync(rig, _db, "pg-pointer", moves: 3);
    }
}
