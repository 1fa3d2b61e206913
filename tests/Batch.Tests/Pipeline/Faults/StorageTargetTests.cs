using System.Text.Json;
using Azure.Storage.Blobs;
using Batch.Pipeline.Ledger;
using Batch.Pipeline.Production;
using Batch.Publishing;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Pipeline.Faults;

/// <summary>
/// The storage target is checked before any work: a wrong container, a missing pointer, or a pointer moved
/// outside Batch stop a run in its preflight; manual moves (promote, rollback) are ledger transitions.
/// </summary>
[Collection(TorchGroup.Name)]
public sealed class StorageTargetTests(StackFixture stack) : IClassFixture<StackFixture>, IAsyncLifetime
{
    private static readonly DateOnly Day1 = PipelineRig.LastDay.AddDays(-1);

    public async Task InitializeAsync()
    {
        await using var rig = Rig("seed");
        await rig.SeedAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private PipelineRig Rig(string model, string? container = null) => new(stack.Postgres, stack.Blobs, container ?? stack.ContainerName, [model]);

    [Fact]
    public async Task AMistypedContainer_WithAProductionModelPresent_FailsInPreflight_AndCreatesNothing()
    {
        await using var rig = Rig("tgt-typo");
        var production = (await rig.RunAsync("tgt-typo", Day1)).Version;
        var typo = stack.ContainerName + "z";
        await using var mistyped = Rig("tgt-typo", typo);

        var e = await Assert.ThrowsAsync<StorageTargetException>(() => mistyped.RunAsync("tgt-typo"));

        Assert.Contains($"Container '{typo}' does not exist at http://127.0.0.1:", e.Message, StringComparison.Ordinal);
        Assert.Contains($"the ledger records 1 version in '{stack.ContainerName}' of tgt-typo, production being {production} in '{stack.ContainerName}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Is Batch:BlobContainer mistyped?", e.Message, StringComparison.Ordinal);
        var run = (await rig.Ledger.RunsAsync("tgt-typo", PipelineRig.LastDay, CancellationToken.None)).Single();
        Assert.Equal([("preflight", StepStatus.Failed)], (await rig.Ledger.StepsAsync(run.Id, CancellationToken.None)).Select(s => (s.Step, s.Status)));
        Assert.False((await new BlobServiceClient(stack.Blobs).GetBlobContainerClient(typo).ExistsAsync()).Value);
        Assert.Equal(production, await ProductionInvariants.AssertAsync(rig, stack.DataSource, "tgt-typo", moves: 1));

        await ProductionInvariants.RerunSucceedsAsync(rig, stack.DataSource, "tgt-typo", moves: 2);
    }

    [Fact]
    public async Task AnInvalidContainerName_FailsInPreflight_WithTheRule()
    {
        await using (var invalid = Rig("tgt-invalid", "Models_Prod"))
        {
            var e = await Assert.ThrowsAsync<StorageTargetException>(() => invalid.RunAsync("tgt-invalid"));
            Assert.Equal("Batch:BlobContainer 'Models_Prod' may hold only lower-case letters, digits and hyphens. Fix the setting; nothing was read or written.", e.Message);
            var run = Assert.Single(await invalid.Ledger.RunsAsync("tgt-invalid", PipelineRig.LastDay, CancellationToken.None));
            Assert.Equal([("preflight", StepStatus.Failed)], (await invalid.Ledger.StepsAsync(run.Id, CancellationToken.None)).Select(s => (s.Step, s.Status)));
        }
        await using var rig = Rig("tgt-invalid");
        await ProductionInvariants.RerunSucceedsAsync(rig, stack.DataSource, "tgt-invalid", moves: 1);
    }

    [Fact]
    public async Task TheFirstModelEver_MayCreateItsContainer_AndIsRecordedAsTheFirst()
    {
        var fresh = "first-" + Guid.NewGuid().ToString("N")[..10];
        await using var rig = Rig("tgt-first", fresh);
        try
        {
            var outcome = await rig.RunAsync("tgt-first");
            Assert.Equal((RunStatus.Succeeded, "first-model"), (outcome.Status, outcome.Gate.Verdict));
            var preflight = (await rig.Ledger.StepDetailAsync<PreflightDetail>(outcome.RunId, "preflight", CancellationToken.None))!;
            Assert.Equal((false, true), (preflight.ContainerExists, preflight.FirstModel));
            Assert.True((await rig.Ledger.StepDetailAsync<PublishDetail>(outcome.RunId, "publish", CancellationToken.None))!.CreatedContainer);
            var version = await rig.Promotions.VersionAsync("tgt-first", outcome.Version, CancellationToken.None);
            Assert.Equal((fresh, $"http://127.0.0.1:{new Uri(stack.Blobs.Split("BlobEndpoint=")[1]).Port}/devstoreaccount1/{fresh}/tgt-first/versions/{outcome.Version}/"),
                (version!.Container, version.Location));
            Assert.Equal(outcome.Version, await ProductionInvariants.AssertAsync(rig, stack.DataSource, "tgt-first", moves: 1));
        }
        finally
        {
            await new BlobServiceClient(stack.Blobs).GetBlobContainerClient(fresh).DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task AMissingPointer_WhileTheLedgerHasProduction_FailsNamingContainerAndBlob_UntilPromoteRestoresIt()
    {
        await using var rig = Rig("tgt-nopointer");
        var production = (await rig.RunAsync("tgt-nopointer", Day1)).Version;
        await stack.Container.GetBlobClient(ModelStore.PointerPath("tgt-nopointer")).DeleteAsync();

        var e = await Assert.ThrowsAsync<ProductionMismatchException>(() => rig.RunAsync("tgt-nopointer"));
        Assert.Contains($"no blob tgt-nopointer/production.json in container '{stack.ContainerName}'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"the ledger's production version is {production}", e.Message, StringComparison.Ordinal);
        Assert.Contains($"batch promote --model tgt-nopointer --version {production}", e.Message, StringComparison.Ordinal);
        var failed = (await rig.Ledger.RunsAsync("tgt-nopointer", PipelineRig.LastDay, CancellationToken.None)).Single();
        Assert.Equal([("preflight", StepStatus.Failed)], (await rig.Ledger.StepsAsync(failed.Id, CancellationToken.None)).Select(s => (s.Step, s.Status)));
        Assert.Null((await rig.Store.GetPointerAsync("tgt-nopointer", CancellationToken.None)).Pointer);

        var restored = await rig.Transitions.PromoteAsync("tgt-nopointer", production, "ops@test", CancellationToken.None);
        Assert.Equal((null, production, "ops@test"), (restored.From, restored.To, restored.Actor));
        Assert.Equal(production, await ProductionInvariants.AssertAsync(rig, stack.DataSource, "tgt-nopointer", moves: 2));

        await ProductionInvariants.RerunSucceedsAsync(rig, stack.DataSource, "tgt-nopointer", moves: 3);
    }

    [Fact]
    public async Task Rollback_IsALedgerTransition_AndAPointerMovedOutsideBatch_StopsTheNextRun()
    {
        await using var rig = Rig("tgt-roll");
        var v1 = (await rig.RunAsync("tgt-roll", Day1.AddDays(-1))).Version;
        var v2 = (await rig.RunAsync("tgt-roll", Day1)).Version;

        var back = await rig.Transitions.RollbackAsync("tgt-roll", null, "ops@test", CancellationToken.None);
        Assert.Equal((v2, v1, PromotionKind.Rollback), (back.From, back.To, back.Kind));
        var move = (await rig.Promotions.HistoryAsync("tgt-roll", CancellationToken.None))[^1];
        Assert.Equal((PromotionKind.Rollback, v2, v1, "ops@test", PromotionStatus.Applied), (move.Kind, move.ExpectedPrevious, move.Version, move.Actor, move.Status));
        Assert.Equal(v1, await ProductionInvariants.AssertAsync(rig, stack.DataSource, "tgt-roll", moves: 3));

        // Someone writes production.json by hand, back to v2: the ledger did not record it.
        await stack.Container.GetBlobClient(ModelStore.PointerPath("tgt-roll")).UploadAsync(
            BinaryData.FromObjectAsJson(new ProductionPointer(v2, DateTimeOffset.UtcNow, v1), ModelManifest.Json), overwrite: true);
        var e = await Assert.ThrowsAsync<ProductionMismatchException>(() => rig.RunAsync("tgt-roll"));
        Assert.Contains($"names {v2}, but the ledger's production is {v1}", e.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await stack.ScalarAsync<long>($"select count(*) from batch.model_versions where model = 'tgt-roll' and data_day = '{PipelineRig.LastDay:yyyy-MM-dd}'"));

        // The operator settles it by recording what production should be; then the day runs.
        await rig.Transitions.PromoteAsync("tgt-roll", v1, "ops@test", CancellationToken.None);
        Assert.Equal(v1, await ProductionInvariants.AssertAsync(rig, stack.DataSource, "tgt-roll", moves: 4));
        var again = await rig.RunAsync("tgt-roll");
        Assert.Equal(v1, again.ProductionVersion);
        Assert.Equal(again.Version, await ProductionInvariants.AssertAsync(rig, stack.DataSource, "tgt-roll", moves: 5));
    }

    [Fact]
    public async Task Promote_RefusesAnUnknownOrRejectedVersion_AndRecordsNothing()
    {
        await using var rig = Rig("tgt-refuse");
        var v1 = (await rig.RunAsync("tgt-refuse", Day1.AddDays(-1))).Version;
        await rig.RunAsync("tgt-refuse", Day1);
        var unknown = await Assert.ThrowsAsync<InvalidOperationException>(() => rig.Transitions.PromoteAsync("tgt-refuse", "20260101-r1", "ops@test", CancellationToken.None));
        Assert.Contains("has no version 20260101-r1 in the ledger", unknown.Message, StringComparison.Ordinal);
        await stack.ExecuteAsync($"update batch.model_versions set status = 'rejected' where version = '{v1}'");
        var rejected = await Assert.ThrowsAsync<InvalidOperationException>(() => rig.Transitions.PromoteAsync("tgt-refuse", v1, "ops@test", CancellationToken.None));
        Assert.Contains($"version {v1} was rejected by the gate", rejected.Message, StringComparison.Ordinal);
        Assert.Equal([PromotionStatus.Applied, PromotionStatus.Applied], (await rig.Promotions.HistoryAsync("tgt-refuse", CancellationToken.None)).Select(p => p.Status));
    }

    [Fact]
    public async Task ProductionsWeightsDeleted_FailInPreflight_NamingTheBlob_BeforeAnyTraining_UntilARollbackRepairsIt()
    {
        await using var rig = Rig("tgt-noweights");
        var v1 = (await rig.RunAsync("tgt-noweights", Day1.AddDays(-1))).Version;
        var v2 = (await rig.RunAsync("tgt-noweights", Day1)).Version;
        var blob = $"tgt-noweights/versions/{v2}/{ModelStore.WeightsFile}";
        await stack.Container.GetBlobClient(blob).DeleteAsync();

        var e = await Assert.ThrowsAsync<ProductionUnusableException>(() => rig.RunAsync("tgt-noweights"));

        Assert.Contains($"{rig.Store.Location(blob)} (container '{stack.ContainerName}') cannot be used: storage answered 404 BlobNotFound", e.Message, StringComparison.Ordinal);
        Assert.Contains($"batch rollback --model tgt-noweights (back to {v1}), or batch promote --model tgt-noweights --version <an approved version>", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("<?xml", e.Message, StringComparison.Ordinal);
        var failed = (await rig.Ledger.RunsAsync("tgt-noweights", PipelineRig.LastDay, CancellationToken.None)).Single();
        Assert.Equal([("preflight", StepStatus.Failed)], (await rig.Ledger.StepsAsync(failed.Id, CancellationToken.None)).Select(s => (s.Step, s.Status)));

        await rig.Transitions.RollbackAsync("tgt-noweights", null, "ops@test", CancellationToken.None);
        Assert.Equal(v1, await ProductionInvariants.AssertAsync(rig, stack.DataSource, "tgt-noweights", moves: 3));
        await ProductionInvariants.RerunSucceedsAsync(rig, stack.DataSource, "tgt-noweights", moves: 4);
    }

    [Fact]
    public async Task ProductionsWeightsCorrupted_FailInPreflight_WithBothHashes()
    {
        await using var rig = Rig("tgt-corrupt");
        var v1 = (await rig.RunAsync("tgt-corrupt", Day1)).Version;
        await stack.Container.GetBlobClient($"tgt-corrupt/versions/{v1}/{ModelStore.WeightsFile}").UploadAsync(BinaryData.FromBytes([1, 2, 3]), overwrite: true);

        var e = await Assert.ThrowsAsync<ProductionUnusableException>(() => rig.RunAsync("tgt-corrupt"));

        Assert.Contains($"its SHA-256 is {ModelStore.Sha256([1, 2, 3])}, not the manifest's", e.Message, StringComparison.Ordinal);
        Assert.Contains("batch promote --model tgt-corrupt --version <an approved version>", e.Message, StringComparison.Ordinal);
        var failed = (await rig.Ledger.RunsAsync("tgt-corrupt", PipelineRig.LastDay, CancellationToken.None)).Single();
        Assert.Equal([("preflight", StepStatus.Failed)], (await rig.Ledger.StepsAsync(failed.Id, CancellationToken.None)).Select(s => (s.Step, s.Status)));
    }

    [Fact]
    public async Task APointerThatIsNotJson_StopsRunReconcileAndRollback_NamingIt_AndPromoteOverwritesIt()
    {
        await using var rig = Rig("tgt-garbled");
        var v1 = (await rig.RunAsync("tgt-garbled", Day1.AddDays(-1))).Version;
        var v2 = (await rig.RunAsync("tgt-garbled", Day1)).Version;
        await stack.Container.GetBlobClient(ModelStore.PointerPath("tgt-garbled")).UploadAsync(BinaryData.FromString("{\"version\": "), overwrite: true);

        var run = await Assert.ThrowsAsync<PointerUnreadableException>(() => rig.RunAsync("tgt-garbled"));
        Assert.Contains("tgt-garbled's production pointer", run.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be read: it is not valid JSON", run.Message, StringComparison.Ordinal);
        Assert.Contains("batch promote --model tgt-garbled --version <an approved version>", run.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<PointerUnreadableException>(() => rig.Reconciler.ReconcileAsync("tgt-garbled", CancellationToken.None));
        await Assert.ThrowsAsync<PointerUnreadableException>(() => rig.Transitions.RollbackAsync("tgt-garbled", null, "ops@test", CancellationToken.None));

        var promoted = await rig.Transitions.PromoteAsync("tgt-garbled", v1, "ops@test", CancellationToken.None);
        Assert.Equal((null, v1), (promoted.From, promoted.To));
        Assert.Equal(v1, (await rig.Store.GetPointerAsync("tgt-garbled", CancellationToken.None)).Pointer!.Version);
        Assert.Equal(v1, await ProductionInvariants.AssertAsync(rig, stack.DataSource, "tgt-garbled", moves: 3));
        Assert.NotEqual(v1, v2);
        await ProductionInvariants.RerunSucceedsAsync(rig, stack.DataSource, "tgt-garbled", moves: 4);
    }
}
