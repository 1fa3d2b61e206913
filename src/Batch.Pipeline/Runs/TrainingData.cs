using Batch.Core.Frames;
using Batch.Core.Options;
using Batch.Data.Extraction;
using Batch.Data.Validation;
using Batch.Modeling.Features;
using Batch.Modeling.Training;
using Polly;
using static TorchSharp.torch;

namespace Batch.Pipeline.Runs;

/// <summary>A model's window read, checked and encoded, ready for any number of trainings.</summary>
public sealed record PreparedWindow(
    ModelProfile Profile, DayFrame Train, DayFrame HeldOut, FeatureEncoders Encoders, EncodedFrame Encoded, EncodedFrame HeldOutEncoded, Device Device);

/// <summary>The training window and held-out day of (model, day), read and checked the same way everywhere.</summary>
public static class TrainingData
{
    /// <summary>Reads and checks the window of (model, day), fits the encoders on it and encodes it.</summary>
    public static async Task<PreparedWindow> PrepareAsync(
        DayExtractor extractor, ResiliencePipeline transient, BatchOptions settings, string model, DateOnly day, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var profile = settings.Profile(model);
        profile.Validate(model);
        var (train, heldOut) = await ExtractAsync(extractor, transient, profile, settings, day, ct).ConfigureAwait(false);
        Validate(model, day, train, heldOut, profile);
        var encoders = FeatureEncoders.Fit(train, profile.Features);
        return new PreparedWindow(profile, train, heldOut, encoders, encoders.Encode(train), encoders.Encode(heldOut), TorchDevices.Resolve(settings.Device));
    }

    /// <summary>The <c>TrainingDays</c> days before <paramref name="day"/>, and the day itself.</summary>
    public static async Task<(DayFrame Train, DayFrame HeldOut)> ExtractAsync(
        DayExtractor extractor, ResiliencePipeline transient, ModelProfile profile, BatchOptions settings, DateOnly day, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(settings);
        var zone = settings.TimeZone();
        var train = await ExtractDaysAsync(extractor, transient, profile.Features, day.AddDays(-profile.TrainingDays), day.AddDays(-1), zone, settings.ConversionWindowDays, ct).ConfigureAwait(false);
        var heldOut = await ExtractDaysAsync(extractor, transient, profile.Features, day, day, zone, settings.ConversionWindowDays, ct).ConfigureAwait(false);
        return (train, heldOut);
    }

    public static async Task<DayFrame> ExtractDaysAsync(
        DayExtractor extractor, ResiliencePipeline transient, FeatureOptions features, DateOnly first, DateOnly last, TimeZoneInfo zone, int window, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        ArgumentNullException.ThrowIfNull(transient);
        return await transient.ExecuteAsync(async t => await extractor.ExtractAsync(features, first, last, zone, window, t).ConfigureAwait(false), ct).ConfigureAwait(false);
    }

    /// <exception cref="DataValidationException">Lists every problem and how to re-run the day once fixed.</exception>
    public static void Validate(string model, DateOnly day, DayFrame train, DayFrame heldOut, ModelProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var problems = DayValidator.Problems(train, "training").Concat(DayValidator.Problems(heldOut, "held-out"))
            .Concat(DayValidator.Drift(heldOut, train, profile.TrainingDays, profile.Validation)).ToList();
        if (problems.Count > 0)
            throw new DataValidationException(
                $"Source data for {model} on {day:yyyy-MM-dd} is unusable: {string.Join("; ", problems)}. Fix the source rows, then re-run the day (batch rerun --model {model} --day {day:yyyy-MM-dd}).");
    }
}
