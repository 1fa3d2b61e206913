using Batch.Core.Options;
using Batch.Core.Results;
using Batch.Evaluation;
using Batch.Pipeline.Ledger;

namespace Batch.Pipeline.Runs.Steps;

/// <summary>gate: the candidate against production under the profile's gate; the decision and its evidence go to the ledger.</summary>
internal sealed class GateStep(RunHold hold) : IRunStep<(ModelProfile Profile, Evaluation Evaluation), GateDecision, GateDecision>
{
    public string Name => "gate";

    public async Task<StepResult<GateDecision, GateDecision>> RunAsync((ModelProfile Profile, Evaluation Evaluation) input, CancellationToken ct)
    {
        var (profile, e) = input;
        var decision = GatePolicy.Decide(profile.Gate, e.Scores, e.ProductionScores, profile.JudgedOutputs);
        await hold.RecordGateAsync(decision, e.Metrics, e.ProductionMetrics, e.Production.Current?.Version, ct).ConfigureAwait(false);
        return new(decision, decision);
    }
}
