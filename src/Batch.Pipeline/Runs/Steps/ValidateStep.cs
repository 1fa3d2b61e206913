using Batch.Data.Extraction;
using Batch.Data.Validation;
using Batch.Pipeline.Ledger;
using Polly;

namespace Batch.Pipeline.Runs.Steps;

/// <summary>
/// validate: the frames' checks and the conversions table's; any finding fails the attempt with what to fix. Hands
/// the frames on unchanged.
/// </summary>
internal sealed class ValidateStep(ConversionChecks conversionChecks, ResiliencePipeline transient) : IRunStep<(Attempt Attempt, WindowFrames Frames), WindowFrames, ValidateDetail>
{
    public string Name => "validate";

    public async Task<StepResult<WindowFrames, ValidateDetail>> RunAsync((Attempt Attempt, WindowFrames Frames) input, CancellationToken ct)
    {
        var (run, profile, settings, _) = input.Attempt;
        var (train, heldOut) = (input.Frames.Train, input.Frames.HeldOut);
        var day = run.DataDay;
        // The window is read a day at a time from its shards.
        var (frameFindings, trainRows, heldOutRows, drift) = TrainingData.Findings(train, heldOut, profile);
        var findings = frameFindings.Concat(await transient.ExecuteAsync(async t =>
            await conversionChecks.FindAsync(SourceSpec.Of(profile, settings), train.FirstDay, day, t).ConfigureAwait(false), ct).ConfigureAwait(false)).ToList();
        TrainingData.ThrowIfAny(run.Model, day, findings);
        return new(input.Frames, new ValidateDetail(
            Rate(trainRows.Clicks, trainRows.Count), Rate(trainRows.Conversions, trainRows.Count), Rate(heldOutRows.Clicks, heldOutRows.Count), Rate(heldOutRows.Conversions, heldOutRows.Count))
        {
            Drift = drift,
        });
    }

    private static double Rate(long labels, long rows) => rows == 0 ? 0 : (double)labels / rows;
}
