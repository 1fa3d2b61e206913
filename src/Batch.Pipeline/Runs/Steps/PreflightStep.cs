using Batch.Data.Validation;
using Batch.Pipeline.Ledger;
using Batch.Pipeline.Production;
using Batch.Publishing;

namespace Batch.Pipeline.Runs.Steps;

/// <summary>
/// preflight: before any work, the day's labels must be final (its conversion window closed, by the database's
/// clock) unless the run allows otherwise; then the storage target is checked, the production pointer reconciled with
/// the ledger, and production's files checked. Hands on the reconciled state.
/// </summary>
internal sealed class PreflightStep(LabelMaturity maturity, ProductionReconciler reconciler, ModelStore store) : IRunStep<Attempt, ProductionState, PreflightDetail>
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
        if (state.Current is { } production) await RequireIntactAsync(run.Model, production, ct).ConfigureAwait(false);
        return new(state, new PreflightDetail(
            state.Container, state.Endpoint, state.ContainerExists, state.FirstModel,
            state.Current?.Version, state.Recorded?.Version, state.InFlight?.Promotion.Version, state.Repairs)
        {
            LabelsFinalAt = labels.FinalAt,
            LabelsMature = labels.Mature,
        });
    }

    /// <summary>
    /// Production's manifest and weights are there and agree (its hash), before hours of training end in an evaluation
    /// that cannot score it.
    /// </summary>
    private async Task RequireIntactAsync(string model, ProductionPointer production, CancellationToken ct)
    {
        try
        {
            await store.ReadVersionAsync(model, production.Version, ct).ConfigureAwait(false);
        }
        catch (VersionUnreadableException e)
        {
            var back = production.Previous is { } previous ? $"batch rollback --model {model} (back to {previous}), or " : "";
            throw new ProductionUnusableException(
                $"{model}'s production version cannot be scored, so no candidate can be judged against it: {e.Message} Nothing was trained. " +
                $"Put production on an intact approved version — {back}batch promote --model {model} --version <an approved version> — then re-run the day.", e);
        }
    }
}
