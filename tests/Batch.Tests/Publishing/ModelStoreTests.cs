using System.Text.Json.Nodes;
using Batch.Core.Options;
using Batch.Core.Results;
using Batch.Publishing;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Publishing;

public sealed class ModelStoreTests(StackFixture stack) : IClassFixture<StackFixture>
{
    private static (ModelManifest Manifest, byte[] Weights) Version(string model, string version, byte fill)
    {
        var weights = Enumerable.Repeat(fill, 64).ToArray();
        return (new ModelManifest
        {
            Model = model,
            Version = version,
            DataDay = new DateOnly(2026, 1, 2),
            TrainingFirstDay = new DateOnly(2025, 12, 26),
            TrainingLastDay = new DateOnly(2026, 1, 1),
            CreatedAt = DateTimeOffset.UnixEpoch,
            RunId = 1,
            Architecture = new ArchitectureOptions(),
            Features = new JsonObject(),
            Tasks = ["ctr", "cvr"],
            Metrics = [new TaskMetrics("ctr", 0.7, 0.2, 10, 2)],
            Gate = new GateDecision(true, "first-model", []),
            Training = new JsonObject(),
            WeightsSha256 = ModelStore.Sha256(weights),
            CodeVersion = "test",
        }, weights);
    }

    [Fact]
    public async Task Publish_WritesTheVersionFolder_ThenThePointer()
    {
        var store = new ModelStore(stack.Container);
        var (manifest, weights) = Version("m1", "v1", 1);
        var prefix = await store.WriteVersionAsync(manifest, weights, approved: true, CancellationToken.None);
        Assert.Equal("m1/versions/v1/", prefix);
        Assert.Equal((null, null), await store.GetPointerAsync("m1", CancellationToken.None));

        await store.PromoteAsync("m1", "v1", previous: null, expected: null, CancellationToken.None);
        var (pointer, etag) = await store.GetPointerAsync("m1", CancellationToken.None);
        Assert.Equal("v1", pointer!.Version);
        Assert.NotNull(etag);

        var (read, readWeights) = await store.ReadVersionAsync("m1", "v1", CancellationToken.None);
        Assert.Equal(weights, readWeights);
        Assert.Equal("first-model", read.Gate.Verdict);
    }

    [Fact]
    public async Task WriteVersion_RefusesToOverwriteAnExistingVersion()
    {
        var store = new ModelStore(stack.Container);
        var (manifest, weights) = Version("m2", "v1", 1);
        await store.WriteVersionAsync(manifest, weights, approved: true, CancellationToken.None);
        var (again, otherWeights) = Version("m2", "v1", 2);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.WriteVersionAsync(again, otherWeights, approved: true, CancellationToken.None));
        Assert.Contains("immutable", e.Message, StringComparison.Ordinal);
        Assert.Equal(weights, (await store.ReadVersionAsync("m2", "v1", CancellationToken.None)).Weights);
    }

    [Fact]
    public async Task Promote_WithAStaleETag_CannotOverwriteANewerPointer()
    {
        var store = new ModelStore(stack.Container);
        await store.PromoteAsync("m3", "v1", null, null, CancellationToken.None);
        var (_, stale) = await store.GetPointerAsync("m3", CancellationToken.None);
        await store.PromoteAsync("m3", "v2", "v1", stale, CancellationToken.None);

        var e = await Assert.ThrowsAsync<PointerConflictException>(() => store.PromoteAsync("m3", "v3", "v1", stale, CancellationToken.None));
        Assert.Contains("changed", e.Message, StringComparison.Ordinal);
        Assert.Equal("v2", (await store.GetPointerAsync("m3", CancellationToken.None)).Pointer!.Version);

        // A first promotion cannot overwrite an existing pointer either.
        await Assert.ThrowsAsync<PointerConflictException>(() => store.PromoteAsync("m3", "v4", null, null, CancellationToken.None));
    }

    [Fact]
    public async Task ReadVersion_DetectsWeightsThatDoNotMatchTheManifest()
    {
        var store = new ModelStore(stack.Container);
        var (manifest, weights) = Version("m4", "v1", 1);
        await store.WriteVersionAsync(manifest, weights, approved: true, CancellationToken.None);
        await stack.Container.GetBlobClient("m4/versions/v1/weights.safetensors").UploadAsync(BinaryData.FromBytes([9, 9]), overwrite: true);
        await Assert.ThrowsAsync<InvalidDataException>(() => store.ReadVersionAsync("m4", "v1", CancellationToken.None));
    }

    [Fact]
    public async Task Rollback_PointsProductionBackAtThePreviousVersion_AndRefusesWhatIsNotThere()
    {
        var store = new ModelStore(stack.Container);
        foreach (var (version, fill) in new[] { ("v1", (byte)1), ("v2", (byte)2) })
        {
            var (manifest, weights) = Version("m5", version, fill);
            await store.WriteVersionAsync(manifest, weights, approved: true, CancellationToken.None);
        }
        await store.PromoteAsync("m5", "v1", null, null, CancellationToken.None);
        var (_, etag) = await store.GetPointerAsync("m5", CancellationToken.None);
        await store.PromoteAsync("m5", "v2", "v1", etag, CancellationToken.None);

        Assert.Equal(("v2", "v1"), await store.RollbackAsync("m5", null, CancellationToken.None));
        var (pointer, _) = await store.GetPointerAsync("m5", CancellationToken.None);
        Assert.Equal(("v1", "v2"), (pointer!.Version, pointer.Previous));

        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => store.RollbackAsync("m5", "v9", CancellationToken.None));
        var none = await Assert.ThrowsAsync<InvalidOperationException>(() => store.RollbackAsync("m6", null, CancellationToken.None));
        Assert.Contains("no production model", none.Message, StringComparison.Ordinal);
    }
}
