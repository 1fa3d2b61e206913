using System.Diagnostics;
using Batch.Core.Frames;
using Batch.Data.Extraction;
using Batch.Pipeline.Ledger;
using Polly;

namespace Batch.Pipeline.Runs.Steps;

/// <summary>
/// The training window and the held-out day of an attempt, as read from the source tables. The train step takes the
/// window (<see cref="TakeTrain"/>), so its rows can be collected once they are encoded, before training starts.
/// </summary>
internal sealed class WindowFrames(DayFrame train, DayFrame heldOut)
{
    private DayFrame? _train = train;

    public DayFrame Train => _train ?? throw new InvalidOperationException("The window's rows were handed to the train step already.");

    public DayFrame HeldOut { get; } = heldOut;

    public DayFrame TakeTrain()
    {
        var train = Train;
        _train = null;
        return train;
    }
}

/// <summary>extract: the window's and the held-out day's rows, with their labels, progress reported as rows arrive.</summary>
internal sealed class ExtractStep(DayExtractor extractor, ResiliencePipeline transient, RunObservers observers) : IRunStep<Attempt, WindowFrames, ExtractDetail>
{
    public string Name => "extract";

    public async Task<StepResult<WindowFrames, ExtractDetail>> RunAsync(Attempt input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        var clock = Stopwatch.StartNew();
        var (train, heldOut) = await TrainingData.ExtractAsync(extractor, transient, input.Profile, input.Settings, input.Run.DataDay, ct,
            rows => observers.Progress(input.Run, new RunProgress(Name, rows, 0, "rows", clock.Elapsed))).ConfigureAwait(false);
        return new(new WindowFrames(train, heldOut),
            new ExtractDetail(train.Count, train.RowsPerDay(), train.FirstDay, train.LastDay, heldOut.Count, input.Run.DataDay));
    }
}
