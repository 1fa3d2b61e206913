using Batch.Core.Options;
using Batch.Core.Results;
using Batch.Evaluation;
using Batch.Pipeline.Ledger;

namespace Batch.Pipeline.Runs.Steps;

/// <summary>gate: the candidate against production under the profile's gate; the decision and its evidence go to the ledger.</summary>
internal sealed class GateStep(RunHold hold) : IRunStep<(GateOptions Gate, Evaluation Evaluation), GateDecision, GateDecision>
{
    public string Name => "gate";

    public async Task<StepResult<GateDecision, GateDecision>> RunAsync((GateOptions Gate, Evaluation Evaluation) input, CancellationToken ct)
    {
        var (gate, e) = input;
        var decision = GatePolicy.Decide(gate, e.Scores, e.ProductionScores);
        await hold.RecordGateAsync(decision, e.Metrics, e.ProductionMetrics, e.Production.Current?.Version, ct).ConfigureAwait(false);
        return new(decision, decision);
    }
}
