using Azure;
using Batch.Core.Errors;
using Batch.Publishing;

namespace Batch.Pipeline.Production;

/// <summary>
/// The write that moves a production pointer after its intent was recorded — shared by the nightly publish and
/// the manual moves — and the outcome text the ledger keeps for it.
/// </summary>
internal static class PointerMoves
{
    /// <summary>
    /// Writes the pointer conditionally on <paramref name="etag"/>. Any error leaves the outcome unknown: the
    /// intent stays open, and reconcile (or the next run) settles it from what the pointer says.
    /// </summary>
    public static async Task<PointerWrite> WriteAsync(
        ModelStore store, string model, string target, string? from, ETag? etag, long intent, string what, CancellationToken ct)
    {
        try
        {
            return await store.WritePointerAsync(model, target, from, etag, ct).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw new PublishOutcomeUnknownException(
                $"{what} may or may not have reached the pointer ({ExceptionText.FirstLine(e)}); its intent is recorded (promotion {intent}). Once storage answers, `batch reconcile --model {model}` settles it, and so does the next run.",
                e);
        }
    }

    /// <summary>What the ledger records as the outcome of a pointer write from <paramref name="from"/> to <paramref name="target"/>.</summary>
    public static string Outcome(PointerWrite write, string? from, string target) => write.Result switch
    {
        PointerWriteResult.Written => $"pointer moved from {from ?? "nothing"} to {target}",
        PointerWriteResult.AlreadyNamed => $"the pointer already named {target}: the write was applied and its answer lost",
        _ => $"refused: the pointer moved to {write.PointerVersion ?? "nothing"} after {from ?? "no pointer"} was read; nothing was overwritten",
    };
}

/// <summary>A pointer write was sent, but whether it took effect is not known; its intent is recorded for reconcile.</summary>
public sealed class PublishOutcomeUnknownException(string message, Exception inner) : Exception(message, inner);
