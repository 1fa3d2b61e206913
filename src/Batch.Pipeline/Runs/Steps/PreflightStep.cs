using Batch.Data.Validation;
using Batch.Pipeline.Ledger;
using Batch.Pipeline.Production;

namespace Batch.Pipeline.Runs.Steps;

/// <summary>
/// preflight: before any work, the day's labels must be final (its conversion window closed, by the database's
/// clock) unless the run allows otherwise; then the storage target is checked, the production pointer reconciled with
/// the ledger, and production's files checked. Hands on the reconciled state.
/// </summary>
internal sealed class PreflightStep(LabelMaturity maturity, ProductionReconciler reconciler) : IRunStep<Attempt, ProductionState, PreflightDetail>
{
    public string Name => "preflight";

    public async Task<StepResult<ProductionState, PreflightDetail>> RunAsync(Attempt input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (run, _, settings, _) = input;
        var labels = run.AllowImmatureLabels
            ? await maturity.CheckAsync(run.DataDay, settings.TimeZone(), settings.ConversionWindowDays, ct).ConfigureAwait(false)
            : await maturity.RequireAsync(run.Model, run.DataDay, settings.TimeZone(), settings.ConversionWindowDays, ct).ConfigureAwait(false);
        var state = await reconciler.ReconcileAsync(run.Model, ct).ConfigureAwait(false);
        return new(state, new PreflightDetail(
            state.Container, state.Endpoint, state.ContainerExists, state.FirstModel,
            state.Current?.Version, state.Recorded?.Version, state.InFlight?.Promotion.Version, state.Repairs)
        {
            LabelsFinalAt = labels.FinalAt,
            LabelsMature = labels.Mature,
        });
    }
}
