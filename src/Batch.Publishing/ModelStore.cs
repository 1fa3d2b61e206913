using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Batch.Publishing;

/// <summary>
/// The blob layout of the serving contract:
/// <c>{model}/versions/{version}/weights.safetensors</c> and <c>manifest.json</c> (written once, never changed),
/// <c>{model}/rejected/{version}/…</c> for candidates the gate turned down, and <c>{model}/production.json</c>.
/// </summary>
public sealed class ModelStore(BlobContainerClient container)
{
    public const string WeightsFile = "weights.safetensors";
    public const string ManifestFile = "manifest.json";

    public string ContainerName => container.Name;

    public async Task EnsureContainerAsync(CancellationToken ct) =>
        await container.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);

    public static string VersionPrefix(string model, string version, bool approved) =>
        $"{model}/{(approved ? "versions" : "rejected")}/{version}/";

    public static string PointerPath(string model) => $"{model}/production.json";

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>
    /// Writes a version folder, weights first and manifest last, each create-only: an existing version is never
    /// overwritten. Returns the folder's prefix.
    /// </summary>
    public async Task<string> WriteVersionAsync(ModelManifest manifest, byte[] weights, bool approved, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(weights);
        if (manifest.WeightsSha256 != Sha256(weights))
            throw new InvalidOperationException("The manifest's weight hash does not match the weights being written.");
        var prefix = VersionPrefix(manifest.Model, manifest.Version, approved);
        await CreateOnlyAsync(prefix + WeightsFile, weights, "application/octet-stream", ct).ConfigureAwait(false);
        await CreateOnlyAsync(prefix + ManifestFile, JsonSerializer.SerializeToUtf8Bytes(manifest, ModelManifest.Json), "application/json", ct).ConfigureAwait(false);
        return prefix;
    }

    /// <summary>The production pointer and its ETag, or (null, null) when nothing was ever promoted.</summary>
    public async Task<(ProductionPointer? Pointer, ETag? ETag)> GetPointerAsync(string model, CancellationToken ct)
    {
        var blob = container.GetBlobClient(PointerPath(model));
        try
        {
            var content = await blob.DownloadContentAsync(ct).ConfigureAwait(false);
            var pointer = content.Value.Content.ToObjectFromJson<ProductionPointer>(ModelManifest.Json)
                ?? throw new InvalidDataException($"{PointerPath(model)} is empty.");
            return (pointer, content.Value.Details.ETag);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return (null, null);
        }
    }

    /// <summary>
    /// Moves the production pointer to <paramref name="version"/>, only if it still has the ETag read before
    /// (or, with <paramref name="expected"/> null, only if no pointer exists yet).
    /// </summary>
    /// <exception cref="PointerConflictException">Someone else moved the pointer since it was read.</exception>
    public async Task<ETag> PromoteAsync(string model, string version, string? previous, ETag? expected, CancellationToken ct)
    {
        var pointer = new ProductionPointer(version, DateTimeOffset.UtcNow, previous);
        var conditions = expected is { } etag ? new BlobRequestConditions { IfMatch = etag } : new BlobRequestConditions { IfNoneMatch = ETag.All };
        var blob = container.GetBlobClient(PointerPath(model));
        try
        {
            var response = await blob.UploadAsync(
                BinaryData.FromObjectAsJson(pointer, ModelManifest.Json),
                new BlobUploadOptions { Conditions = conditions, HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
                ct).ConfigureAwait(false);
            return response.Value.ETag;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            throw new PointerConflictException(
                $"The production pointer of {model} changed while version {version} was being promoted (expected {(expected?.ToString() ?? "no pointer")}); nothing was overwritten. Re-run the day to gate against the new production model.", e);
        }
    }

    /// <summary>
    /// Points production back at <paramref name="version"/> (by default the pointer's previous version), after
    /// checking that version's files; conditional on the pointer not moving meanwhile.
    /// </summary>
    /// <returns>the version production pointed at before, and the one it points at now</returns>
    public async Task<(string From, string To)> RollbackAsync(string model, string? version, CancellationToken ct)
    {
        var (pointer, etag) = await GetPointerAsync(model, ct).ConfigureAwait(false);
        if (pointer is null) throw new InvalidOperationException($"{model} has no production model to roll back.");
        var target = version ?? pointer.Previous
            ?? throw new InvalidOperationException($"{model}'s production version {pointer.Version} has no previous version; name one with --to.");
        if (target == pointer.Version) throw new InvalidOperationException($"{target} is already in production.");
        await ReadVersionAsync(model, target, ct).ConfigureAwait(false); // exists and is intact
        await PromoteAsync(model, target, pointer.Version, etag, ct).ConfigureAwait(false);
        return (pointer.Version, target);
    }

    /// <summary>Reads a version's manifest and weights, checking the weights against the manifest's hash.</summary>
    public async Task<(ModelManifest Manifest, byte[] Weights)> ReadVersionAsync(string model, string version, CancellationToken ct)
    {
        var prefix = VersionPrefix(model, version, approved: true);
        var manifestData = await container.GetBlobClient(prefix + ManifestFile).DownloadContentAsync(ct).ConfigureAwait(false);
        var manifest = manifestData.Value.Content.ToObjectFromJson<ModelManifest>(ModelManifest.Json)
            ?? throw new InvalidDataException($"{prefix}{ManifestFile} is empty.");
        var weights = (await container.GetBlobClient(prefix + WeightsFile).DownloadContentAsync(ct).ConfigureAwait(false)).Value.Content.ToArray();
        if (Sha256(weights) != manifest.WeightsSha256)
            throw new InvalidDataException($"{prefix}{WeightsFile} does not match the hash in its manifest; the version is corrupt.");
        return (manifest, weights);
    }

    private async Task CreateOnlyAsync(string path, byte[] content, string contentType, CancellationToken ct)
    {
        try
        {
            await container.GetBlobClient(path).UploadAsync(
                BinaryData.FromBytes(content),
                new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
                },
                ct).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            throw new InvalidOperationException($"{path} already exists; model versions are immutable.", e);
        }
    }
}

/// <summary>The production pointer moved under us; the promotion did not happen.</summary>
public sealed class PointerConflictException(string message, Exception inner) : Exception(message, inner);
