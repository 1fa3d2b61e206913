using System.Diagnostics;
using Batch.Data.Shards;
using Batch.Modeling.Training;
using Batch.Pipeline.Ledger;

namespace Batch.Pipeline.Runs.Steps;

/// <summary>A trained candidate and its epochs; the caller owns (and disposes) the model.</summary>
internal sealed record TrainedCandidate(MultiTaskModel Model, IReadOnlyList<EpochLoss> History);

/// <summary>train: encoders fitted on the window, the model trained on it, progress reported per batch.</summary>
internal sealed class TrainStep(RunObservers observers) : IRunStep<(Attempt Attempt, WindowFrames Frames), TrainedCandidate, TrainDetail>
{
    public string Name => "train";

    public Task<StepResult<TrainedCandidate, TrainDetail>> RunAsync((Attempt Attempt, WindowFrames Frames) input, CancellationToken ct)
    {
        var attempt = input.Attempt;
        var profile = attempt.Profile;
        // The window's day shards are read a day at a time to fit the encoders and again to encode each day onto disk;
        // the model reads its batches from those files.
        using var window = DiskWindow.Encode(input.Frames.Train, profile, Folder(attempt));
        var model = MultiTaskModel.Create(window.Encoders, profile.Architecture, attempt.Device, profile.Training.Seed, TaskSet.Of(profile));
        try
        {
            var clock = Stopwatch.StartNew();
            var epochs = Trainer.Train(model, window.Fit, profile.Training, ct,
                p => observers.Progress(attempt.Run, new RunProgress(Name, p.Samples, p.TotalSamples, "samples", clock.Elapsed, p.Epoch, p.Epochs, p.Batch, p.Batches)),
                window.Validation);
            return Task.FromResult(new StepResult<TrainedCandidate, TrainDetail>(new TrainedCandidate(model, epochs), new TrainDetail(
                attempt.Device.ToString(), window.Fit.Rows, window.Validation?.Rows ?? 0, profile.Training.Balancer.Name,
                epochs.FirstOrDefault(e => e.Kept)?.Epoch ?? epochs.Count, epochs)));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The attempt's encoded window: under the shard folder's <c>runs/</c>, deleted when training ends. Named for the
    /// attempt and made unique, since ledgers of other databases may share the folder.
    /// </summary>
    public static string Folder(Attempt attempt) =>
        Path.Combine(attempt.Settings.ShardDirectory, DayShards.RunsFolder,
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{attempt.Run.Model}.{attempt.Run.DataDay:yyyy-MM-dd}.run{attempt.Run.Id}.{Guid.NewGuid():N}"));
}
