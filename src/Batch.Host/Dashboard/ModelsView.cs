using Batch.Core.Errors;
using Batch.Core.Options;
using Batch.Pipeline.Ledger;
using Batch.Publishing;
using Microsoft.Extensions.Options;

namespace Batch.Host.Dashboard;

/// <summary>What the Models page shows of one model.</summary>
public sealed record ModelView(
    string Name, ProductionPointer? Current, string? PointerError, PromotionRecord? Recorded, IReadOnlyList<DayView> Days, IReadOnlyList<VersionRecord> Approved);

/// <summary>Reads, for every configured model, production (from the pointer and the ledger), recent days and approved versions.</summary>
public static class ModelsView
{
    public const int Days = 14;

    public static async Task<IReadOnlyList<ModelView>> LoadAsync(IServiceProvider services, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(services);
        var settings = services.GetRequiredService<IOptions<BatchOptions>>().Value;
        var store = services.GetRequiredService<ModelStore>();
        var promotions = services.GetRequiredService<PromotionLedger>();
        var history = services.GetRequiredService<ModelHistory>();
        var models = new List<ModelView>();
        foreach (var name in settings.Models.Keys.Order(StringComparer.Ordinal))
        {
            ProductionPointer? pointer = null;
            string? pointerError = null;
            try { (pointer, _) = await store.GetPointerAsync(name, ct).ConfigureAwait(false); }
            catch (Exception e) when (e is Azure.RequestFailedException or AggregateException or HttpRequestException)
            {
                // The page still shows the ledger; the storage problem is shown in place of the pointer.
                pointerError = $"blob storage at {store.Endpoint} did not answer: {ExceptionText.FirstLine(e)}";
            }
            catch (PointerUnreadableException e)
            {
                pointerError = e.Message;
            }
            models.Add(new ModelView(
                name, pointer, pointerError,
                await promotions.ProductionAsync(name, ct).ConfigureAwait(false),
                await history.DaysAsync(name, Days, ct).ConfigureAwait(false),
                await history.ApprovedVersionsAsync(name, ct).ConfigureAwait(false)));
        }
        return models;
    }
}
