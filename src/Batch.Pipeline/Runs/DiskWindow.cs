using Batch.Core.Options;
using Batch.Data.Shards;
using Batch.Modeling.Features;
using Batch.Modeling.Training;

namespace Batch.Pipeline.Runs;

/// <summary>
/// The training window encoded onto local disk, part by part, as the nightly run trains on it: encoders fitted on the
/// days trained on, those days' rows in <see cref="Fit"/>, the validation days' in <see cref="Validation"/>.
/// Disposing deletes the files.
/// </summary>
public sealed class DiskWindow(string folder, FeatureEncoders encoders, EncodedShards fit, EncodedShards? validation) : IDisposable
{
    public FeatureEncoders Encoders { get; } = encoders;
    public EncodedShards Fit { get; } = fit;
    public EncodedShards? Validation { get; } = validation;

    /// <summary>
    /// The same split and fit as <see cref="TrainingData.Encode(DayFrame, ModelProfile)"/>, one part of a day at a time:
    /// the encoders are fitted over the parts of the days trained on, and each part is encoded to its own file under
    /// <paramref name="folder"/>. Only one part's rows are in memory at once.
    /// </summary>
    public static DiskWindow Encode(ShardedWindow train, ModelProfile profile, string folder)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(profile);
        var lastFit = train.LastDay.AddDays(-profile.Training.ValidationDays);
        var encoders = FeatureEncoders.Fit(train.Days(train.FirstDay, lastFit), profile.Features);
        var (fields, numbers) = (encoders.Cardinalities.Count, encoders.Numeric.Count);
        var tasks = TaskSet.Of(profile);
        var encoder = new FrameEncoder(encoders, tasks);
        var fit = new EncodedShards(Path.Combine(folder, "fit"), fields, numbers, tasks.Count);
        EncodedShards? validation = null;
        try
        {
            foreach (var part in train.Days(train.FirstDay, lastFit)) fit.Append(encoder.Encode(part));
            if (profile.Training.ValidationDays > 0)
            {
                validation = new EncodedShards(Path.Combine(folder, "validation"), fields, numbers, tasks.Count);
                foreach (var part in train.Days(lastFit.AddDays(1), train.LastDay)) validation.Append(encoder.Encode(part));
            }
            return new DiskWindow(folder, encoders, fit, validation);
        }
        catch
        {
            fit.Dispose();
            validation?.Dispose();
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    public void Dispose()
    {
        Fit.Dispose();
        Validation?.Dispose();
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }
}
