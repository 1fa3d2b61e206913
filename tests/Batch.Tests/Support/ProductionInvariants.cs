using Batch.Pipeline.Ledger;
using Npgsql;
using Xunit;

namespace Batch.Tests.Support;

/// <summary>
/// What every fault test checks afterwards: the pointer moved exactly as often as expected, each time to a
/// version the gate approved and whose run succeeded; no move is left unsettled; and pointer and ledger agree
/// (reconcile finds nothing to repair).
/// </summary>
public static class ProductionInvariants
{
    public static async Task<string?> AssertAsync(PipelineRig rig, NpgsqlDataSource db, string model, int moves)
    {
        var history = await rig.Promotions.HistoryAsync(model, CancellationToken.None);
        Assert.DoesNotContain(history, p => p.Status == PromotionStatus.Intent);
        var applied = history.Where(p => p.Status == PromotionStatus.Applied).ToList();
        Assert.Equal(moves, applied.Count);

        var (pointer, _) = await rig.Store.GetPointerAsync(model, CancellationToken.None);
        Assert.Equal(applied.LastOrDefault()?.Version, pointer?.Version);
        foreach (var move in applied.Where(p => p.Kind == PromotionKind.Publish))
        {
            await using var check = db.CreateCommand(
                """
                select v.status || '/' || g.approved || '/' || r.status
                from batch.model_versions v join batch.gate_decisions g on g.run_id = v.run_id join batch.runs r on r.id = v.run_id
                where v.version = $1
                """);
            check.Parameters.AddWithValue(move.Version);
            Assert.Equal("approved/true/succeeded", (string?)await check.ExecuteScalarAsync());
        }

        var state = await rig.Reconciler.ReconcileAsync(model, CancellationToken.None);
        Assert.Empty(state.Repairs);
        Assert.Equal(pointer?.Version, state.Recorded?.Version);
        return pointer?.Version;
    }

    /// <summary>A re-run of the day succeeds and is promoted: the pointer has then moved <paramref name="moves"/> times in all.</summary>
    public static async Task RerunSucceedsAsync(PipelineRig rig, NpgsqlDataSource db, string model, int moves)
    {
        var again = await rig.RunAsync(model);
        Assert.Equal((RunStatus.Succeeded, true), (again.Status, again.Promoted));
        Assert.Equal(again.Version, await AssertAsync(rig, db, model, moves));
    }

    /// <summary>The versions a model has under any prefix of the container.</summary>
    public static IReadOnlyList<string> Blobs(PipelineRig rig, string model) =>
        rig.Services.GetService(typeof(Azure.Storage.Blobs.BlobContainerClient)) is Azure.Storage.Blobs.BlobContainerClient container
            ? container.GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, model + "/", CancellationToken.None).Select(b => b.Name).ToList()
            : [];
}
