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
    /// <exception cref="PointerUnreadableException">The blob exists but is not a pointer (say, invalid JSON); it carries the blob's ETag.</exception>
    public async Task<(ProductionPointer? Pointer, ETag? ETag)> GetPointerAsync(string model, CancellationToken ct)
    {
        var blob = container.GetBlobClient(PointerPath(model));
        Azure.Response<BlobDownloadResult> content;
        try
        {
            content = await blob.DownloadContentAsync(ct).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return (null, null);
        }
        ProductionPointer? pointer;
        try
        {
            pointer = content.Value.Content.ToObjectFromJson<ProductionPointer>(ModelManifest.Json);
        }
        catch (JsonException e)
        {
            throw new PointerUnreadableException(model, Location(PointerPath(model)), content.Value.Details.ETag, $"it is not valid JSON ({e.Message})", e);
        }
        if (pointer is null || string.IsNullOrWhiteSpace(pointer.Version))
            throw new PointerUnreadableException(model, Location(PointerPath(model)), content.Value.Details.ETag, "it names no version", null);
        return (pointer, content.Value.Details.ETag);
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
    /// <exception cref="VersionUnreadableException">A file is missing, cannot be read, or does not match the manifest; names which and where.</exception>
    public async Task<(ModelManifest Manifest, byte[] Weights)> ReadVersionAsync(string model, string version, CancellationToken ct)
    {
        var prefix = VersionPrefix(model, version, approved: true);
        var manifestData = await DownloadAsync(model, version, prefix + ManifestFile, ct).ConfigureAwait(false);
        ModelManifest manifest;
        try { manifest = ModelManifest.Parse(manifestData, prefix + ManifestFile); }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw new VersionUnreadableException(model, version, ContainerName, Location(prefix + ManifestFile), $"it is not a manifest this code reads ({e.Message})", e);
        }
        var weights = (await DownloadAsync(model, version, prefix + WeightsFile, ct).ConfigureAwait(false)).ToArray();
        var hash = Sha256(weights);
        if (hash != manifest.WeightsSha256)
            throw new VersionUnreadableException(model, version, ContainerName, Location(prefix + WeightsFile),
                $"its SHA-256 is {hash}, not the manifest's {manifest.WeightsSha256}: the version is corrupt", null);
        return (manifest, weights);
    }

    private async Task<BinaryData> DownloadAsync(string model, string version, string path, CancellationToken ct)
    {
        try
        {
            return (await container.GetBlobClient(path).DownloadContentAsync(ct).ConfigureAwait(false)).Value.Content;
        }
        catch (RequestFailedException e) when (e.Status is >= 400 and < 500)
        {
            throw new VersionUnreadableException(model, version, ContainerName, Location(path), $"storage answered {e.Status} {e.ErrorCode}", e);
        }
    }

    /// <summary>
    /// Writes a blob only if none is at <paramref name="path"/>. A blob already there with the same content is this
    /// write having succeeded: the storage client retries a PUT whose answer it lost (a 500 or 503 after storage applied
    /// it), and the retry then meets the blob its first try wrote. One with other content is a conflict.
    /// </summary>
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
            var existing = (await container.GetBlobClient(path).DownloadContentAsync(ct).ConfigureAwait(false)).Value.Content.ToArray();
            var (ours, theirs) = (Sha256(content), Sha256(existing));
            if (ours == theirs) return;
            throw new InvalidOperationException(
                $"{Location(path)} already exists with other content (SHA-256 {theirs}, this write's {ours}); model versions are immutable, so it was left as it is.", e);
        }
    }

    /// <summary>
    /// The version folders of <paramref name="model"/> in the container, approved and rejected, each with its blobs:
    /// what storage holds, whatever the ledger says.
    /// </summary>
    public async Task<IReadOnlyList<(string Version, bool Approved, string Prefix, IReadOnlyList<string> Blobs)>> VersionFoldersAsync(string model, CancellationToken ct)
    {
        var folders = new List<(string, bool, string, IReadOnlyList<string>)>();
        foreach (var approved in new[] { true, false })
        {
            var root = $"{model}/{(approved ? "versions" : "rejected")}/";
            var byVersion = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
            await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = root }, ct).ConfigureAwait(false))
            {
                var version = blob.Name[root.Length..].Split('/', 2)[0];
                if (!byVersion.TryGetValue(version, out var blobs)) byVersion[version] = blobs = [];
                blobs.Add(blob.Name);
            }
            folders.AddRange(byVersion.Select(v => (v.Key, approved, root + v.Key + "/", (IReadOnlyList<string>)v.Value)));
        }
        return folders;
    }

    /// <summary>Deletes the given blobs (a version folder nobody recorded); a blob already gone counts as deleted.</summary>
    public async Task DeleteAsync(IEnumerable<string> blobs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        foreach (var blob in blobs) await container.GetBlobClient(blob).DeleteIfExistsAsync(cancellationToken: ct).ConfigureAwait(false);
    }
}

/// <summary>A model's <c>production.json</c> exists but is no pointer; <c>batch promote</c> may overwrite it.</summary>
public sealed class PointerUnreadableException(string model, string location, ETag etag, string why, Exception? inner)
    : Exception($"{model}'s production pointer {location} cannot be read: {why}. Production is unknown until it is replaced; overwrite it with the version that should serve: batch promote --model {model} --version <an approved version>", inner)
{
    /// <summary>The unreadable blob's ETag: an overwrite is conditional on it, so a pointer written meanwhile is not lost.</summary>
    public ETag ETag { get; } = etag;
}

/// <summary>A file of a published version is missing, unreadable or corrupt; names the version and the blob.</summary>
public sealed class VersionUnreadableException(string model, string version, string container, string location, string why, Exception? inner)
    : Exception($"{model} version {version}: {location} (container '{container}') cannot be used: {why}.", inner)
{
    public string Model { get; } = model;
    public string Version { get; } = version;
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
