using Batch.Pipeline.Production;
using Batch.Publishing;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Pipeline.Production;

/// <summary>
/// Version folders in storage that no ledger row records — a publish that failed between its blob writes and its ledger
/// write — are listed by `batch reconcile` and deleted with `--delete-orphans`; the folder of an attempt still running is
/// not one, and recorded versions are never touched.
/// </summary>
[Collection(TorchGroup.Name)]
public sealed class OrphanVersionsTests(StackFixture stack) : IClassFixture<StackFixture>
{
    private const string Model = "orphans";

    private async Task PlantAsync(string version)
    {
        foreach (var file in new[] { ModelStore.WeightsFile, ModelStore.ManifestFile })
            await stack.Container.GetBlobClient($"{Model}/versions/{version}/{file}").UploadAsync(BinaryData.FromString("left behind"), overwrite: true);
    }

    [Fact]
    public async Task Reconcile_ListsTheFoldersNoLedgerRowRecords_AndDeletesThemWhenAsked_ButNotARunningAttemptsOrARecordedOne()
    {
        var (settings, published) = await PipelineRig.PublishedForCliAsync(stack, Model);
        await PlantAsync("20261020-r999999");
        await using var rig = new PipelineRig(stack.Postgres, stack.Blobs, stack.ContainerName, [Model]);
        var running = await rig.Ledger.StartAsync(Model, PipelineRig.LastDay, "test", null, TimeSpan.FromMinutes(5), CancellationToken.None);
        await PlantAsync($"20261020-r{running.Id}"); // being written by an attempt that holds its day

        var orphans = new OrphanVersions(rig.Store, stack.DataSource);
        var found = Assert.Single(await orphans.FindAsync(Model, CancellationToken.None));
        Assert.Equal(("20261020-r999999", $"{Model}/versions/20261020-r999999/", 2), (found.Version, found.Prefix, found.Blobs.Count));

        var (listed, output, _) = await BatchProcess.RunAsync(["reconcile", "--model", Model], settings);
        Assert.Equal(0, listed);
        Assert.Contains($"{Model}: version folder {rig.Store.Location(found.Prefix)} (2 blobs) has no ledger row", output, StringComparison.Ordinal);
        Assert.Contains($"delete them with: batch reconcile --model {Model} --delete-orphans", output, StringComparison.Ordinal);
        Assert.Equal(3, (await rig.Store.VersionFoldersAsync(Model, CancellationToken.None)).Count);

        var (deleted, deletion, _) = await BatchProcess.RunAsync(["reconcile", "--model", Model, "--delete-orphans"], settings);
        Assert.Equal(0, deleted);
        Assert.Contains("has no ledger row: deleted", deletion, StringComparison.Ordinal);
        Assert.Equal([published, $"20261020-r{running.Id}"], (await rig.Store.VersionFoldersAsync(Model, CancellationToken.None)).Select(f => f.Version).Order(StringComparer.Ordinal));
        Assert.Empty(await orphans.FindAsync(Model, CancellationToken.None));
    }
}
