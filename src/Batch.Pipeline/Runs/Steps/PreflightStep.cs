using Batch.Pipeline.Ledger;
using Batch.Pipeline.Production;

namespace Batch.Pipeline.Runs.Steps;

/// <summary>
/// preflight: before any work, the storage target is checked and the production pointer reconciled with the ledger;
/// hands on the reconciled state.
/// </summary>
internal sealed class PreflightStep(ProductionReconciler reconciler) : IRunStep<Attempt, ProductionState, PreflightDetail>
{
    public string Name => "preflight";

    public async Task<StepResult<ProductionState, PreflightDetail>> RunAsync(Attempt input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        var state = await reconciler.ReconcileAsync(input.Run.Model, ct).ConfigureAwait(false);
        return new(state, new PreflightDetail(
            state.Container, state.Endpoint, state.ContainerExists, state.FirstModel,
            state.Current?.Version, state.Recorded?.Version, state.InFlight?.Promotion.Version, state.Repairs));
    }
}
