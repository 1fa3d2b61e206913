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
        var findings = TrainingData.Findings(train, heldOut, profile).Concat(await transient.ExecuteAsync(async t =>
            await conversionChecks.FindAsync(train.FirstDay, day, settings.TimeZone(), settings.ConversionWindowDays, t).ConfigureAwait(false), ct).ConfigureAwait(false)).ToList();
        TrainingData.ThrowIfAny(run.Model, day, findings);
        return new(input.Frames, new ValidateDetail(Rate(train.Clicked), Rate(train.Converted), Rate(heldOut.Clicked), Rate(heldOut.Converted)));
    }

    private static double Rate(bool[] labels) => labels.Length == 0 ? 0 : (double)labels.Count(l => l) / labels.Length;
}
