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

    /// <summary>The folder of a version's report, beside its weights and manifest.</summary>
    public static string ReportPrefix(string versionPrefix) => versionPrefix + "report/";

    /// <summary>Writes the files of a version's report under <c>{prefix}report/</c>, each create-only.</summary>
    public async Task WriteReportAsync(string versionPrefix, IEnumerable<(string Name, byte[] Content, string ContentType)> files, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(files);
        foreach (var (name, content, contentType) in files)
        {
            if (name.Contains('/', StringComparison.Ordinal) || name.StartsWith('.'))
                throw new ArgumentException($"'{name}' is not a report file name.");
            await CreateOnlyAsync(ReportPrefix(versionPrefix) + name, content, contentType, ct).ConfigureAwait(false);
        }
    }

    /// <summary>A blob of the container and its content type, or null when it does not exist.</summary>
    public async Task<(byte[] Content, string ContentType)?> ReadAsync(string path, CancellationToken ct)
    {
        try
        {
            var blob = await container.GetBlobClient(path).DownloadContentAsync(ct).ConfigureAwait(false);
            return (blob.Value.Content.ToArray(), blob.Value.Details.ContentType ?? "application/octet-stream");
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
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
    /// Writes the production pointer naming <paramref name="version"/>, only if it still has the ETag read before
    /// (or, with <paramref name="expected"/> null, only if no pointer exists yet). A refused write is looked into:
    /// when the pointer already names the version, an earlier try was applied and only its answer was lost (the
    /// SDK retries a PUT whose response it lost, and the retry is refused), so the move is done.
    /// </summary>
    /// <returns>how the write ended; an exception means its outcome is unknown</returns>
    public async Task<PointerWrite> WritePointerAsync(string model, string version, string? previous, ETag? expected, CancellationToken ct)
    {
        var pointer = new ProductionPointer(version, DateTimeOffset.UtcNow, previous);
        var conditions = expected is { } etag ? new BlobRequestConditions { IfMatch = etag } : new BlobRequestConditions { IfNoneMatch = ETag.All };
        var blob = container.GetBlobClient(PointerPath(model));
        try
        {
            await blob.UploadAsync(
                BinaryData.FromObjectAsJson(pointer, ModelManifest.Json),
                new BlobUploadOptions { Conditions = conditions, HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
                ct).ConfigureAwait(false);
            return new PointerWrite(PointerWriteResult.Written, version);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            var (now, _) = await GetPointerAsync(model, ct).ConfigureAwait(false);
            return now?.Version == version
                ? new PointerWrite(PointerWriteResult.AlreadyNamed, version)
                : new PointerWrite(PointerWriteResult.Conflict, now?.Version);
        }
    }

    /// <summary>Whether the container exists; storage that cannot be reached throws (after the SDK's retries).</summary>
    public async Task<bool> ContainerExistsAsync(CancellationToken ct) =>
        (await container.ExistsAsync(ct).ConfigureAwait(false)).Value;

    /// <summary>Where the container lives, without credentials: for messages and the ledger.</summary>
    public string Endpoint => container.Uri.GetLeftPart(UriPartial.Path);

    /// <summary>The full address of a blob prefix in the container.</summary>
    public string Location(string prefix) => $"{Endpoint.TrimEnd('/')}/{prefix}";

    /// <summary>
    /// Why <paramref name="name"/> cannot be a blob container, or null: 3–63 characters of lower-case letters,
    /// digits and single hyphens, starting and ending with a letter or digit.
    /// </summary>
    public static string? ContainerNameProblem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length is < 3 or > 63) return $"'{name}' has {name.Length} characters; a container name has 3 to 63";
        if (name.Any(ch => !(ch is >= 'a' and <= 'z' or >= '0' and <= '9' or '-')))
            return $"'{name}' may hold only lower-case letters, digits and hyphens";
        if (name[0] == '-' || name[^1] == '-' || name.Contains("--", StringComparison.Ordinal))
            return $"'{name}' must start and end with a letter or digit and cannot hold two hyphens in a row";
        return null;
    }

    /// <summary>Reads a version's manifest and weights, checking the weights against the manifest's hash.</summary>
    public async Task<(ModelManifest Manifest, byte[] Weights)> ReadVersionAsync(string model, string version, CancellationToken ct)
    {
        var prefix = VersionPrefix(model, version, approved: true);
        var manifestData = await container.GetBlobClient(prefix + ManifestFile).DownloadContentAsync(ct).ConfigureAwait(false);
        var manifest = ModelManifest.Parse(manifestData.Value.Content, prefix + ManifestFile);
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

/// <summary>How a pointer write ended.</summary>
public enum PointerWriteResult
{
    /// <summary>This write moved the pointer.</summary>
    Written,

    /// <summary>The write was refused, but the pointer already names the version: an earlier try was applied.</summary>
    AlreadyNamed,

    /// <summary>The pointer moved elsewhere since it was read; nothing was overwritten.</summary>
    Conflict,
}

/// <summary>A pointer write's result, and the version the pointer names now (as far as known).</summary>
public sealed record PointerWrite(PointerWriteResult Result, string? PointerVersion);
