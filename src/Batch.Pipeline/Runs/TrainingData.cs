using Batch.Core.Frames;
using Batch.Core.Options;
using Batch.Data.Extraction;
using Batch.Data.Validation;
using Batch.Modeling.Features;
using Batch.Modeling.Training;
using Polly;
using static TorchSharp.torch;
using Batch.Modeling.Plugins;

namespace Batch.Pipeline.Runs;

/// <summary>
/// A model's window read, checked and encoded, ready for any number of trainings: <c>Encoded</c> is what the model
/// trains on (the window less its validation days, on which the encoders were fitted), <c>Validation</c> the
/// validation days when the profile holds some apart.
/// </summary>
public sealed record PreparedWindow(
    ModelProfile Profile, DayFrame Train, DayFrame HeldOut, FeatureEncoders Encoders, EncodedFrame Encoded, EncodedFrame HeldOutEncoded, Device Device)
{
    public EncodedFrame? Validation { get; init; }
}

/// <summary>
/// The training window as a model trains on it: encoders fitted on the days trained on (the window less its
/// validation days), those days encoded, and the validation days encoded the same way when there are any.
/// </summary>
public sealed record EncodedWindow(FeatureEncoders Encoders, EncodedFrame Fit, EncodedFrame? Validation);

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
        var window = Encode(train, profile);
        return new PreparedWindow(profile, train, heldOut, window.Encoders, window.Fit, window.Encoders.Encode(heldOut), TorchDevices.Resolve(settings.Device))
        {
            Validation = window.Validation,
        };
    }

    /// <summary>
    /// Holds the last <c>Training:ValidationDays</c> days of the window apart, fits the encoders on the rest and
    /// encodes both: what every training of the profile starts from.
    /// </summary>
    public static EncodedWindow Encode(DayFrame train, ModelProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return Encode(train, profile.Features, profile.Training.ValidationDays);
    }

    /// <summary>The same with <paramref name="days"/> validation days, whatever the profile says.</summary>
    public static EncodedWindow Encode(DayFrame train, FeatureOptions features, int days)
    {
        ArgumentNullException.ThrowIfNull(train);
        var lastFit = train.LastDay.AddDays(-days);
        var fit = days == 0 ? train : train.Days(train.FirstDay, lastFit);
        var encoders = FeatureEncoders.Fit(fit, features);
        return new EncodedWindow(encoders, encoders.Encode(fit), days == 0 ? null : encoders.Encode(train.Days(lastFit.AddDays(1), train.LastDay)));
    }

    /// <summary>The <c>TrainingDays</c> days before <paramref name="day"/>, and the day itself.</summary>
    public static async Task<(DayFrame Train, DayFrame HeldOut)> ExtractAsync(
        DayExtractor extractor, ResiliencePipeline transient, ModelProfile profile, BatchOptions settings, DateOnly day, CancellationToken ct,
        Action<long>? onRows = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(settings);
        var zone = settings.TimeZone();
        var train = await ExtractDaysAsync(extractor, transient, profile.Features, day.AddDays(-profile.TrainingDays), day.AddDays(-1), zone, settings.ConversionWindowDays, ct, onRows).ConfigureAwait(false);
        var heldOut = await ExtractDaysAsync(extractor, transient, profile.Features, day, day, zone, settings.ConversionWindowDays, ct, onRows is null ? null : rows => onRows(train.Count + rows)).ConfigureAwait(false);
        return (train, heldOut);
    }

    /// <summary>The days [first, last], read again from the start when a transient error (a database restart) cuts the read.</summary>
    public static async Task<DayFrame> ExtractDaysAsync(
        DayExtractor extractor, ResiliencePipeline transient, FeatureOptions features, DateOnly first, DateOnly last, TimeZoneInfo zone, int window, CancellationToken ct,
        Action<long>? onRows = null)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        ArgumentNullException.ThrowIfNull(transient);
        return await transient.ExecuteAsync(async t => await extractor.ExtractAsync(features, first, last, zone, window, t, onRows).ConfigureAwait(false), ct).ConfigureAwait(false);
    }

    /// <summary>Every frame check of the window and the held-out day: rows, days, duplicate ids, drift.</summary>
    public static IReadOnlyList<ValidationFinding> Findings(DayFrame train, DayFrame heldOut, ModelProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return
        [
            .. DayValidator.Rows(train, "training"),
            .. DayValidator.WindowDays(train, profile.Validation),
            .. DayValidator.Rows(heldOut, "held-out"),
            .. DayValidator.DuplicateIds(train, heldOut),
            .. DayValidator.Drift(heldOut, train, profile.TrainingDays, profile.Validation),
        ];
    }

    /// <exception cref="DataValidationException">Lists every finding and how to re-run the day once fixed.</exception>
    public static void Validate(string model, DateOnly day, DayFrame train, DayFrame heldOut, ModelProfile profile) =>
        ThrowIfAny(model, day, Findings(train, heldOut, profile));

    /// <exception cref="DataValidationException">Lists every finding and how to re-run the day once fixed.</exception>
    public static void ThrowIfAny(string model, DateOnly day, IReadOnlyList<ValidationFinding> findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        if (findings.Count > 0) throw new DataValidationException(model, day, findings);
    }
}
