using Batch.Pipeline.Ledger;
using Batch.Publishing;

namespace Batch.Pipeline.Production;

/// <summary>A manual move of production, as recorded: who, when, from, to.</summary>
public sealed record Transition(string Model, PromotionKind Kind, string? From, string To, string Actor, long PromotionId, string Outcome);

/// <summary>
/// Manual moves of a model's production pointer — rollback and promote — as ledger transitions: the intent
/// (who, from, to) is recorded before the pointer is written and the outcome after, like a nightly publish.
/// </summary>
public sealed class ProductionTransitions(ModelStore store, PromotionLedger promotions, ProductionReconciler reconciler)
{
    /// <summary>
    /// Points production back at <paramref name="to"/>, by default the version that was in production before the
    /// current one. Pointer and ledger must agree first (<c>batch reconcile</c>).
    /// </summary>
    public async Task<Transition> RollbackAsync(string model, string? to, string actor, CancellationToken ct)
    {
        var state = await reconciler.ReconcileAsync(model, ct).ConfigureAwait(false);
        if (state.Current is null) throw new InvalidOperationException($"{model} has no production model to roll back.");
        var target = to ?? state.Recorded?.ExpectedPrevious ?? state.Current.Previous
            ?? throw new InvalidOperationException($"{model}'s production version {state.Current.Version} has no previous version; name one with --to.");
        return await MoveAsync(model, PromotionKind.Rollback, target, actor, state.Current, state.ETag, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Points production at <paramref name="version"/>, an approved version of the model whose files are intact.
    /// This is also how an operator settles a pointer and ledger that disagree, or restores a missing pointer:
    /// the move is recorded from whatever the pointer names now.
    /// </summary>
    public async Task<Transition> PromoteAsync(string model, string version, string actor, CancellationToken ct)
    {
        ProductionPointer? pointer;
        Azure.ETag? etag;
        try
        {
            var state = await reconciler.ReconcileAsync(model, ct).ConfigureAwait(false);
            (pointer, etag) = (state.Current, state.ETag);
        }
        catch (ProductionMismatchException)
        {
            // The disagreement this move is meant to settle: move from whatever the pointer names now.
            try { (pointer, etag) = await store.GetPointerAsync(model, ct).ConfigureAwait(false); }
            catch (PointerUnreadableException unreadable) { (pointer, etag) = (null, unreadable.ETag); }
        }
        catch (PointerUnreadableException unreadable)
        {
            // A pointer that is no pointer names nothing: overwrite it, on condition that it is still the blob read.
            (pointer, etag) = (null, unreadable.ETag);
        }
        return await MoveAsync(model, PromotionKind.Promote, version, actor, pointer, etag, ct).ConfigureAwait(false);
    }

    private async Task<Transition> MoveAsync(string model, PromotionKind kind, string target, string actor, ProductionPointer? pointer, Azure.ETag? etag, CancellationToken ct)
    {
        if (target == pointer?.Version) throw new InvalidOperationException($"{target} is already in production.");
        var version = await promotions.VersionAsync(model, target, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"{model} has no version {target} in the ledger; `batch status --model {model}` lists its runs and versions.");
        if (version.Status != VersionStatus.Approved)
            throw new InvalidOperationException($"{model} version {target} was {version.Status.Text()} by the gate; only an approved version can be put in production.");
        if (version.Container != store.ContainerName)
            throw new InvalidOperationException($"{model} version {target} was written to container '{version.Container}', not '{store.ContainerName}' (Batch:BlobContainer).");
        await store.ReadVersionAsync(model, target, ct).ConfigureAwait(false); // present, and its weights match its manifest

        var id = await promotions.BeginManualAsync(model, kind, target, pointer?.Version, actor, store.ContainerName, ct).ConfigureAwait(false);
        var write = await PointerMoves.WriteAsync(store, model, target, pointer?.Version, etag, id, $"The {kind.Text()} of {model} to {target}", ct).ConfigureAwait(false);
        var applied = write.Result != PointerWriteResult.Conflict;
        var outcome = PointerMoves.Outcome(write, pointer?.Version, target);
        await promotions.SettleAsync(id, applied, outcome, ct).ConfigureAwait(false);
        if (!applied)
            throw new InvalidOperationException($"The {kind.Text()} of {model} to {target} was {outcome}. Look at `batch reconcile --model {model}`, then try again.");
        return new Transition(model, kind, pointer?.Version, target, actor, id, outcome);
    }
}
