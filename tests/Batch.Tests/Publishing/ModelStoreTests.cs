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
            Tasks = TaskOptions.Defaults(),
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

        Assert.Equal(PointerWriteResult.Written, (await store.WritePointerAsync("m1", "v1", previous: null, expected: null, CancellationToken.None)).Result);
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
        Assert.Contains("m2/versions/v1/weights.safetensors already exists with other content", e.Message, StringComparison.Ordinal);
        Assert.Contains($"SHA-256 {ModelStore.Sha256(weights)}, this write's {ModelStore.Sha256(otherWeights)}", e.Message, StringComparison.Ordinal);
        Assert.Contains("immutable", e.Message, StringComparison.Ordinal);
        Assert.Equal(weights, (await store.ReadVersionAsync("m2", "v1", CancellationToken.None)).Weights);
    }

    [Fact]
    public async Task WriteVersion_MeetingABlobWithItsOwnContent_IsTheWriteHavingSucceeded()
    {
        // What the storage client's retry of a create-only PUT that was applied but answered 500 meets: its own blob.
        var store = new ModelStore(stack.Container);
        var (manifest, weights) = Version("m7", "v1", 1);
        await store.WriteVersionAsync(manifest, weights, approved: true, CancellationToken.None);
        Assert.Equal("m7/versions/v1/", await store.WriteVersionAsync(manifest, weights, approved: true, CancellationToken.None));
        Assert.Equal(weights, (await store.ReadVersionAsync("m7", "v1", CancellationToken.None)).Weights);
    }

    [Fact]
    public async Task VersionFolders_ListWhatStorageHolds_ApprovedAndRejected_WithTheirBlobs()
    {
        var store = new ModelStore(stack.Container);
        var (a, aw) = Version("m8", "20260102-r1", 1);
        var (b, bw) = Version("m8", "20260103-r2", 2);
        await store.WriteVersionAsync(a, aw, approved: true, CancellationToken.None);
        await store.WriteVersionAsync(b with { Version = "20260103-r2" }, bw, approved: false, CancellationToken.None);
        var folders = await store.VersionFoldersAsync("m8", CancellationToken.None);
        Assert.Equal(
            [("20260102-r1", true, "m8/versions/20260102-r1/"), ("20260103-r2", false, "m8/rejected/20260103-r2/")],
            folders.Select(f => (f.Version, f.Approved, f.Prefix)));
        Assert.Equal(["m8/rejected/20260103-r2/manifest.json", "m8/rejected/20260103-r2/weights.safetensors"], folders[1].Blobs.Order(StringComparer.Ordinal));
        await store.DeleteAsync(folders[1].Blobs, CancellationToken.None);
        Assert.Single(await store.VersionFoldersAsync("m8", CancellationToken.None));
    }

    [Fact]
    public async Task APointerThatIsNotJson_IsUnreadable_NamingTheBlob_AndCarryingItsETag()
    {
        var store = new ModelStore(stack.Container);
        var written = await stack.Container.GetBlobClient("m9/production.json").UploadAsync(BinaryData.FromString("{\"version\": \"v1\""), overwrite: true);
        var e = await Assert.ThrowsAsync<PointerUnreadableException>(() => store.GetPointerAsync("m9", CancellationToken.None));
        Assert.StartsWith($"m9's production pointer {store.Location("m9/production.json")} cannot be read: it is not valid JSON", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("overwrite it with the version that should serve: batch promote --model m9 --version <an approved version>", e.Message, StringComparison.Ordinal);
        Assert.Equal(written.Value.ETag, e.ETag);
    }

    [Fact]
    public async Task ReadVersion_OfAMissingFile_NamesTheBlobAndTheStatus()
    {
        var store = new ModelStore(stack.Container);
        var (manifest, weights) = Version("m10", "v1", 1);
        await store.WriteVersionAsync(manifest, weights, approved: true, CancellationToken.None);
        await stack.Container.GetBlobClient("m10/versions/v1/weights.safetensors").DeleteAsync();
        var e = await Assert.ThrowsAsync<VersionUnreadableException>(() => store.ReadVersionAsync("m10", "v1", CancellationToken.None));
        Assert.Equal($"m10 version v1: {store.Location("m10/versions/v1/weights.safetensors")} (container '{stack.ContainerName}') cannot be used: storage answered 404 BlobNotFound.", e.Message);
    }

    [Fact]
    public async Task WritePointer_WithAStaleETag_CannotOverwriteANewerPointer_AndSaysWhatItNamesNow()
    {
        var store = new ModelStore(stack.Container);
        await store.WritePointerAsync("m3", "v1", null, null, CancellationToken.None);
        var (_, stale) = await store.GetPointerAsync("m3", CancellationToken.None);
        await store.WritePointerAsync("m3", "v2", "v1", stale, CancellationToken.None);

        Assert.Equal(new PointerWrite(PointerWriteResult.Conflict, "v2"), await store.WritePointerAsync("m3", "v3", "v1", stale, CancellationToken.None));
        Assert.Equal("v2", (await store.GetPointerAsync("m3", CancellationToken.None)).Pointer!.Version);

        // A first promotion cannot overwrite an existing pointer either.
        Assert.Equal(PointerWriteResult.Conflict, (await store.WritePointerAsync("m3", "v4", null, null, CancellationToken.None)).Result);
    }

    [Fact]
    public async Task WritePointer_RefusedBecauseAnEarlierTryWasApplied_IsDone()
    {
        var store = new ModelStore(stack.Container);
        await store.WritePointerAsync("m6", "v1", null, null, CancellationToken.None);
        var (_, before) = await store.GetPointerAsync("m6", CancellationToken.None);
        await store.WritePointerAsync("m6", "v2", "v1", before, CancellationToken.None);
        // The same write again, as the SDK's retry of a PUT whose answer was lost sends it: refused, yet done.
        Assert.Equal(new PointerWrite(PointerWriteResult.AlreadyNamed, "v2"), await store.WritePointerAsync("m6", "v2", "v1", before, CancellationToken.None));
    }

    [Theory]
    [InlineData("models", null)]
    [InlineData("model-store-2", null)]
    [InlineData("modelz", null)]
    [InlineData("Models", "lower-case")]
    [InlineData("my_models", "lower-case")]
    [InlineData("ab", "3 to 63")]
    [InlineData("-models", "start and end")]
    [InlineData("mo--dels", "two hyphens")]
    public void ContainerNameProblem_FollowsTheStorageNamingRules(string name, string? problem)
    {
        var found = ModelStore.ContainerNameProblem(name);
        if (problem is null) Assert.Null(found);
        else Assert.Contains(problem, found, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadVersion_DetectsWeightsThatDoNotMatchTheManifest()
    {
        var store = new ModelStore(stack.Container);
        var (manifest, weights) = Version("m4", "v1", 1);
        await store.WriteVersionAsync(manifest, weights, approved: true, CancellationToken.None);
        await stack.Container.GetBlobClient("m4/versions/v1/weights.safetensors").UploadAsync(BinaryData.FromBytes([9, 9]), overwrite: true);
        var e = await Assert.ThrowsAsync<VersionUnreadableException>(() => store.ReadVersionAsync("m4", "v1", CancellationToken.None));
        Assert.Contains($"its SHA-256 is {ModelStore.Sha256([9, 9])}, not the manifest's {manifest.WeightsSha256}: the version is corrupt", e.Message, StringComparison.Ordinal);
    }
}
