using Batch.Core.Errors;
using Azure;
using Batch.Pipeline.Ledger;
using Batch.Publishing;
using Microsoft.Extensions.Logging;

namespace Batch.Pipeline.Production;

/// <summary>A model's production as both the pointer and the ledger see it, once they agree.</summary>
public sealed record ProductionState(
    string Model,
    string Container,
    string Endpoint,
    bool ContainerExists,
    ProductionPointer? Current,
    ETag? ETag,
    PromotionRecord? Recorded,
    OpenIntent? InFlight,
    IReadOnlyList<string> Repairs)
{
    /// <summary>No version of the model was ever written: the first model, which may create the container.</summary>
    public bool FirstModel { get; init; }
}

/// <summary>
/// Checks the storage target of a model (container name valid, storage reachable, container present) and
/// compares its production pointer with the ledger. A move whose intent is recorded and whose writer is gone is
/// settled from what the pointer says; anything else that disagrees fails loudly, naming both sides.
/// </summary>
public sealed class ProductionReconciler(ModelStore store, PromotionLedger promotions, ILogger<ProductionReconciler> logger)
{
    /// <exception cref="StorageTargetException">The container cannot be used as configured.</exception>
    /// <exception cref="ProductionMismatchException">Pointer and ledger disagree (or the pointer is missing) and nothing recorded explains it.</exception>
    public async Task<ProductionState> ReconcileAsync(string model, CancellationToken ct)
    {
        var container = store.ContainerName;
        if (ModelStore.ContainerNameProblem(container) is { } problem)
            throw new StorageTargetException($"Batch:BlobContainer {problem}. Fix the setting; nothing was read or written.");

        bool exists;
        try { exists = await store.ContainerExistsAsync(ct).ConfigureAwait(false); }
        catch (Exception e) when (e is RequestFailedException or AggregateException or HttpRequestException or IOException)
        {
            throw new StorageTargetException(
                $"Blob storage at {store.Endpoint} cannot be reached ({ExceptionText.FirstLine(e)}). Start it (deploy/local-stack.sh start) or fix Batch:ConnectionStrings:Blobs; nothing was read or written.", e);
        }

        var history = await promotions.ContainersAsync(model, ct).ConfigureAwait(false);
        if (!exists)
        {
            if (history.Count > 0)
            {
                var production = await promotions.ProductionAsync(model, ct).ConfigureAwait(false);
                throw new StorageTargetException(
                    $"Container '{container}' does not exist at {store.Endpoint}, but the ledger records {Describe(history)} of {model}" +
                    (production is null ? "" : $", production being {production.Version} in '{production.Container}'") +
                    ". Is Batch:BlobContainer mistyped? Nothing was read or written, and no container was created.");
            }
            return new ProductionState(model, container, store.Endpoint, false, null, null, null, null, []) { FirstModel = true };
        }

        var repairs = new List<string>();
        var (pointer, etag) = await store.GetPointerAsync(model, ct).ConfigureAwait(false);
        var open = await promotions.OpenIntentAsync(model, ct).ConfigureAwait(false);
        if (open is { InFlight: false } stale)
        {
            repairs.Add(await SettleAsync(stale.Promotion, pointer, ct).ConfigureAwait(false));
            open = null;
        }

        var ledger = await promotions.ProductionAsync(model, ct).ConfigureAwait(false);
        var agrees = pointer?.Version == ledger?.Version || (open is not null && pointer?.Version == open.Promotion.Version);
        if (!agrees)
        {
            var blob = $"{store.Endpoint.TrimEnd('/')}/{ModelStore.PointerPath(model)}";
            if (pointer is null)
                throw new ProductionMismatchException(
                    $"{model}'s production pointer is missing: no blob {ModelStore.PointerPath(model)} in container '{container}' ({blob}), but the ledger's production version is {ledger!.Version} (moved {ledger.SettledAt:u} by {ledger.Actor}, container '{ledger.Container}'). " +
                    $"Restore it with: batch promote --model {model} --version {ledger.Version}");
            throw new ProductionMismatchException(
                $"{model}'s production pointer ({blob}) names {pointer.Version}, but the ledger's production is {(ledger is null ? "none (no recorded promotion)" : $"{ledger.Version} (moved {ledger.SettledAt:u} by {ledger.Actor})")}; " +
                $"no recorded move explains the difference. Find out who moved it, then record the right one with: batch promote --model {model} --version <{(ledger is null ? pointer.Version : $"{ledger.Version} or {pointer.Version}")}>");
        }
        return new ProductionState(model, container, store.Endpoint, true, pointer, etag, ledger, open, repairs) { FirstModel = history.Count == 0 };
    }

    /// <summary>Settles a move whose writer is gone from what the pointer says now.</summary>
    private async Task<string> SettleAsync(PromotionRecord intent, ProductionPointer? pointer, CancellationToken ct)
    {
        var applied = pointer?.Version == intent.Version;
        var outcome = applied
            ? $"repaired by reconcile: the pointer names {intent.Version} (the write was applied, its outcome never recorded)"
            : $"settled by reconcile: the pointer names {pointer?.Version ?? "nothing"}, not {intent.Version}; the write never took effect";
        await promotions.SettleAsync(intent.Id, applied, outcome, ct).ConfigureAwait(false);
        var action = $"promotion {intent.Id} ({intent.Kind.Text()} of {intent.Version} by {intent.Actor}) {(applied ? "applied" : "failed")}: {outcome}";
        LedgerLog.Repaired(logger, intent.Model, action);
        return action;
    }

    private static string Describe(IReadOnlyList<(string Container, int Versions)> history) =>
        string.Join(", ", history.Select(h => $"{h.Versions} version{(h.Versions == 1 ? "" : "s")} in '{h.Container}'"));
}

/// <summary>The storage target of a model cannot be used as configured; the message names what and where.</summary>
public sealed class StorageTargetException : Exception
{
    public StorageTargetException(string message) : base(message) { }

    public StorageTargetException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Production's version cannot be read (a file missing, unreadable or corrupt); names the blob and the command that repairs it.</summary>
public sealed class ProductionUnusableException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// The production pointer and the ledger disagree, and nothing recorded explains it — the pointer names another
/// version, or is missing while the ledger has a production version.
/// </summary>
public sealed class ProductionMismatchException(string message) : Exception(message);
