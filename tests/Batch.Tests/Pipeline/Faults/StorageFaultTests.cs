using System.Net;
using Batch.Pipeline.Ledger;
using Batch.Pipeline.Production;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Pipeline.Faults;

/// <summary>
/// Blob storage (real Azurite) taken away, or a response of it lost, around the publish step. Azurite is reached
/// through a proxy of the test's own, which refuses connections as a stopped server does; a lost response is
/// injected in the storage client's HTTP pipeline after storage applied the request.
/// </summary>
[Collection(TorchGroup.Name)]
public sealed class StorageFaultTests(StackFixture stack) : IClassFixture<StackFixture>, IAsyncLifetime, IDisposable
{
    private readonly TcpFaultProxy _proxy = new(AzuriteEndpoint(stack.Blobs));

    public async Task InitializeAsync()
    {
        await using var rig = Rig("seed");
        await rig.SeedAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _proxy.Dispose();

    private PipelineRig Rig(string model, FaultObserver? observer = null, LostResponsePolicy? policy = null) =>
        new(stack.Postgres, _proxy.Route(stack.Blobs), stack.ContainerName, [model], observer is null ? null : [observer], policy);

    private static IPEndPoint AzuriteEndpoint(string connectionString)
    {
        var endpoint = connectionString.Split(';').Single(p => p.StartsWith("BlobEndpoint=", StringComparison.Ordinal))["BlobEndpoint=".Length..];
        var uri = new Uri(endpoint);
        return new IPEndPoint(IPAddress.Parse(uri.Host), uri.Port);
    }

    [Fact]
    public async Task StorageStoppedBeforePublishing_FailsTheRun_PublishesNothing_AndARerunSucceeds()
    {
        await using (var first = Rig("az-down"))
            await first.RunAsync("az-down", PipelineRig.LastDay.AddDays(-1));
        var fault = FaultObserver.WhenDone("gate", _ => _proxy.Stop());
        await using var rig = Rig("az-down", fault);
        var before = await ProductionInvariants.AssertAsync(rig, stack.DataSource, "az-down", moves: 1);

        try
        {
            var e = await Assert.ThrowsAnyAsync<Exception>(() => rig.RunAsync("az-down"));
            Assert.True(fault.Fired);
            var run = (await rig.Ledger.RunsAsync("az-down", PipelineRig.LastDay, CancellationToken.None)).Single();
            Assert.Equal(RunStatus.Failed, run.Status);
            var steps = await rig.Ledger.StepsAsync(run.Id, CancellationToken.None);
            Assert.Equal(("publish", StepStatus.Failed), (steps[^1].Step, steps[^1].Status));
            Assert.Equal(0L, await stack.ScalarAsync<long>($"select count(*) from batch.model_versions where run_id = {run.Id}"));
            Assert.Equal(0L, await stack.ScalarAsync<long>($"select count(*) from batch.promotions where run_id = {run.Id}"));
            Assert.NotNull(e.Message);
        }
        finally
        {
            _proxy.Start();
        }
        Assert.Equal(before, await ProductionInvariants.AssertAsync(rig, stack.DataSource, "az-down", moves: 1));
        Assert.DoesNotContain(ProductionInvariants.Blobs(rig, "az-down"), b => b.Contains(PipelineRig.LastDay.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        await ProductionInvariants.RerunSucceedsAsync(rig, stack.DataSource, "az-down", moves: 2);
    }

    [Fact]
    public async Task StorageUnreachableWhenARunStarts_FailsInPreflight_BeforeAnyExtraction()
    {
        await using var rig = Rig("az-start");
        _proxy.Stop();
        try
        {
            var e = await Assert.ThrowsAsync<StorageTargetException>(() => rig.RunAsync("az-start"));
            Assert.Contains($"Blob storage at http://127.0.0.1:{_proxy.Port}/devstoreaccount1/{stack.ContainerName} cannot be reached", e.Message, StringComparison.Ordinal);
            var run = Assert.Single(await rig.Ledger.RunsAsync("az-start", PipelineRig.LastDay, CancellationToken.None));
            Assert.Equal([("preflight", StepStatus.Failed)], (await rig.Ledger.StepsAsync(run.Id, CancellationToken.None)).Select(s => (s.Step, s.Status)));
        }
        finally
        {
            _proxy.Start();
        }
        await ProductionInvariants.RerunSucceedsAsync(rig, stack.DataSource, "az-start", moves: 1);
    }

    [Fact]
    public async Task APointerWriteWhoseResponseIsLost_IsRefusedOnRetry_YetRecordedAsApplied_Once()
    {
        await using (var first = Rig("az-lost"))
            await first.RunAsync("az-lost", PipelineRig.LastDay.AddDays(-1));
        var lost = new LostResponsePolicy(LostResponsePolicy.PointerWrite);
        await using var rig = Rig("az-lost", policy: lost);

        var outcome = await rig.RunAsync("az-lost");

        Assert.True(lost.Dropped);
        Assert.Equal((RunStatus.Succeeded, true), (outcome.Status, outcome.Promoted));
        var report = await rig.Ledger.ReportAsync(outcome.RunId, CancellationToken.None);
        Assert.Equal(PromotionStatus.Applied, report.Promotion!.Status);
        Assert.Contains("the write was applied and its answer lost", report.Promotion.Outcome, StringComparison.Ordinal);
        Assert.Equal(outcome.Version, await ProductionInvariants.AssertAsync(rig, stack.DataSource, "az-lost", moves: 2));

        await ProductionInvariants.RerunSucceedsAsync(rig, stack.DataSource, "az-lost", moves: 3);
    }

    [Fact]
    public async Task StorageDyingJustAfterApplyingThePointer_LeavesAnOpenIntent_WhichReconcileSettles()
    {
        var (run, version) = await LeaveAnOpenIntentAsync("az-dies");
        await using var rig = Rig("az-dies");

        // What `batch reconcile --model az-dies` runs: the pointer names the recorded intent's version.
        var state = await rig.Reconciler.ReconcileAsync("az-dies", CancellationToken.None);
        Assert.Contains("applied", Assert.Single(state.Repairs), StringComparison.Ordinal);
        var settled = await rig.Ledger.RunAsync(run.Id, CancellationToken.None);
        Assert.Equal(RunStatus.Succeeded, settled.Status);
        Assert.Contains("publish confirmed by reconcile", settled.Note, StringComparison.Ordinal);
        Assert.Equal(version, await ProductionInvariants.AssertAsync(rig, stack.DataSource, "az-dies", moves: 2));

        await ProductionInvariants.RerunSucceedsAsync(rig, stack.DataSource, "az-dies", moves: 3);
    }

    [Fact]
    public async Task AnOpenIntentLeftByADeadStorage_IsSettledByTheNextRunsPreflight_WithoutAnOperator()
    {
        var (run, version) = await LeaveAnOpenIntentAsync("az-dies2");
        await using var rig = Rig("az-dies2");

        // Nobody runs reconcile: the re-run's preflight finds the open intent, settles it, and goes on.
        var again = await rig.RunAsync("az-dies2");
        Assert.Equal((RunStatus.Succeeded, true), (again.Status, again.Promoted));
        var preflight = (await rig.Ledger.StepsAsync(again.RunId, CancellationToken.None)).First(s => s.Step == "preflight");
        Assert.Equal(StepStatus.Succeeded, preflight.Status);
        Assert.Contains("applied", preflight.Detail, StringComparison.Ordinal);
        Assert.Contains(version, preflight.Detail, StringComparison.Ordinal);
        var settled = await rig.Ledger.RunAsync(run.Id, CancellationToken.None);
        Assert.Equal(RunStatus.Succeeded, settled.Status);
        Assert.Contains("publish confirmed by reconcile", settled.Note, StringComparison.Ordinal);
        Assert.Equal(again.Version, await ProductionInvariants.AssertAsync(rig, stack.DataSource, "az-dies2", moves: 3));
    }

    /// <summary>
    /// Day one published; day two's pointer write applied by storage, which then dies before answering: the run
    /// fails, its intent stays open, and the pointer names the intent's version.
    /// </summary>
    private async Task<(RunRecord Run, string Version)> LeaveAnOpenIntentAsync(string model)
    {
        await using (var first = Rig(model))
            await first.RunAsync(model, PipelineRig.LastDay.AddDays(-1));
        var dies = new LostResponsePolicy(LostResponsePolicy.PointerWrite, afterApplied: _proxy.Stop);
        await using var rig = Rig(model, policy: dies);

        try
        {
            var e = await Assert.ThrowsAsync<PublishOutcomeUnknownException>(() => rig.RunAsync(model));
            Assert.Contains($"batch reconcile --model {model}", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            _proxy.Start();
        }
        var run = (await rig.Ledger.RunsAsync(model, PipelineRig.LastDay, CancellationToken.None)).Single();
        Assert.Equal(RunStatus.Failed, run.Status);
        var open = await rig.Promotions.OpenIntentAsync(model, CancellationToken.None);
        Assert.NotNull(open);
        Assert.False(open.InFlight);
        var (pointer, _) = await rig.Store.GetPointerAsync(model, CancellationToken.None);
        Assert.Equal(open.Promotion.Version, pointer!.Version); // storage applied it before it died
        return (run, pointer.Version);
    }

    [Fact]
    public async Task ACreateOnlyWriteAppliedButAnsweredWithAnError_IsTheWriteHavingSucceeded_OnTheRetry()
    {
        // Storage applies the PUT of the weights, and the answer is lost: the SDK sends it again and meets its own blob.
        var lost = new LostResponsePolicy(m => m.Request.Method == Azure.Core.RequestMethod.Put && m.Request.Uri.Path.EndsWith("/" + Batch.Publishing.ModelStore.WeightsFile, StringComparison.Ordinal));
        await using var rig = Rig("az-twice", policy: lost);

        var outcome = await rig.RunAsync("az-twice");

        Assert.True(lost.Dropped);
        Assert.Equal((RunStatus.Succeeded, true), (outcome.Status, outcome.Promoted));
        var (manifest, weights) = await rig.Store.ReadVersionAsync("az-twice", outcome.Version, CancellationToken.None); // whole, and matching its hash
        Assert.Equal(Batch.Publishing.ModelStore.Sha256(weights), manifest.WeightsSha256);
        Assert.Equal(outcome.Version, await ProductionInvariants.AssertAsync(rig, stack.DataSource, "az-twice", moves: 1));
    }
}
