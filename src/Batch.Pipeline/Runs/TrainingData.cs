using Batch.Core.Frames;
using Batch.Core.Options;
using Batch.Data.Extraction;
using Batch.Data.Shards;
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
    /// <summary>
    /// Reads (through the shard cache, so a study run again on the same days reads unchanged days from disk) and checks
    /// the window of (model, day), fits the encoders on it and encodes it, in memory.
    /// </summary>
    public static async Task<PreparedWindow> PrepareAsync(
        DayShards shards, ResiliencePipeline transient, BatchOptions settings, string model, DateOnly day, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(transient);
        ArgumentNullException.ThrowIfNull(settings);
        var profile = settings.Profile(model);
        profile.Validate(model);
        var (trainShards, heldOutShards, _) = await ReadAsync(shards, transient, profile, settings, day, ct).ConfigureAwait(false);
        DayFrame train, heldOut;
        using (trainShards)
        using (heldOutShards)
        {
            // The nightly job's checks, on the same shards (the conversion checks of the source tables aside).
            ThrowIfAny(model, day, Findings(trainShards, heldOutShards, profile).Findings);
            (train, heldOut) = (InMemory(trainShards, profile), InMemory(heldOutShards, profile));
        }
        var encoded = Encode(train, profile);
        return new PreparedWindow(profile, train, heldOut, encoded.Encoders, encoded.Fit, encoded.Encoders.Encode(heldOut, TaskSet.Of(profile)), TorchDevices.Resolve(settings.Device))
        {
            Validation = encoded.Validation,
        };
    }

    /// <summary>A window's shards read into one frame in memory.</summary>
    private static DayFrame InMemory(ShardedWindow window, ModelProfile profile)
    {
        var labels = LabelKeys.Extra(profile).Select(l => l.Key).ToList();
        var builder = new WindowBuilder(window.FirstDay, window.LastDay, profile.Features.Categorical, profile.Features.Numeric, labels);
        foreach (var part in window.Days()) builder.Add(part);
        return builder.Build();
    }

    /// <summary>
    /// Holds the last <c>Training:ValidationDays</c> days of the window apart, fits the encoders on the rest and
    /// encodes both: what every training of the profile starts from.
    /// </summary>
    public static EncodedWindow Encode(DayFrame train, ModelProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return Encode(train, profile.Features, profile.Training.ValidationDays, TaskSet.Of(profile));
    }

    /// <summary>The same with <paramref name="days"/> validation days, whatever the profile says.</summary>
    /// <param name="tasks">the tasks whose targets the rows carry; null for the default tasks</param>
    public static EncodedWindow Encode(DayFrame train, FeatureOptions features, int days, TaskSet? tasks = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        var lastFit = train.LastDay.AddDays(-days);
        var fit = days == 0 ? train : train.Days(train.FirstDay, lastFit);
        var encoders = FeatureEncoders.Fit(fit, features);
        return new EncodedWindow(encoders, encoders.Encode(fit, tasks), days == 0 ? null : encoders.Encode(train.Days(lastFit.AddDays(1), train.LastDay), tasks));
    }

    /// <summary>
    /// The <c>TrainingDays</c> days before <paramref name="day"/>, and the day itself, as their shards, day by day
    /// through the shard cache: a day whose source rows are unchanged since its shard was written is not read from
    /// the database. The caller disposes both windows.
    /// </summary>
    public static async Task<(ShardedWindow Train, ShardedWindow HeldOut, IReadOnlyList<ShardUse> Days)> ReadAsync(
        DayShards shards, ResiliencePipeline transient, ModelProfile profile, BatchOptions settings, DateOnly day, CancellationToken ct,
        Action<long>? onRows = null)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(transient);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(settings);
        // Before reading: what failed attempts left (spools on a full disk above all) must not fail this one too.
        shards.Sweep();
        var days = await shards.ShardDaysAsync(SourceSpec.Of(profile, settings), day.AddDays(-profile.TrainingDays), day, settings.ExtractionConnections, ct,
            onRows, (read, t) => transient.ExecuteAsync(async c => await read(c).ConfigureAwait(false), t).AsTask()).ConfigureAwait(false);
        // From here on the windows own the shards.
        var train = new ShardedWindow(day.AddDays(-profile.TrainingDays), day.AddDays(-1));
        var heldOut = new ShardedWindow(day, day);
        for (var i = 0; i < days.Count; i++)
        {
            var (shard, rows, _) = days[i];
            if (i < days.Count - 1) train.Add(train.FirstDay.AddDays(i), shard, rows);
            else heldOut.Add(day, shard, rows);
        }
        return (train, heldOut, days.Select(d => d.Use).ToList());
    }

    /// <summary>The days [first, last], read again from the start when a transient error (a database restart) cuts the read.</summary>
    public static async Task<DayFrame> ExtractDaysAsync(
        DayExtractor extractor, ResiliencePipeline transient, SourceSpec spec, DateOnly first, DateOnly last, CancellationToken ct,
        Action<long>? onRows = null)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        ArgumentNullException.ThrowIfNull(transient);
        return await transient.ExecuteAsync(async t => await extractor.ExtractAsync(spec, first, last, t, onRows).ConfigureAwait(false), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Every check of a window and its held-out day held as shards, read a day at a time: rows, days, duplicate ids and
    /// content, null shares, numeric values after their transforms, drift; also the summaries the rates come from.
    /// </summary>
    public static (IReadOnlyList<ValidationFinding> Findings, RowSummary Train, RowSummary HeldOut, IReadOnlyList<FeatureShift> Drift) Findings(
        ShardedWindow train, ShardedWindow heldOut, ModelProfile profile)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(heldOut);
        ArgumentNullException.ThrowIfNull(profile);
        RowSummary Summary(ShardedWindow window)
        {
            var summary = new RowSummary(window.FirstDay, window.LastDay, profile.Features);
            foreach (var part in window.Days()) summary.Add(part);
            return summary;
        }
        var (rows, held) = (Summary(train), Summary(heldOut));
        var drift = FeatureDrift.Measure(() => train.Days(), () => heldOut.Days(), profile.Features);
        return ([
            .. DayValidator.Rows(rows, "training"),
            .. DayValidator.WindowDays(rows, profile.Validation),
            .. DayValidator.Rows(held, "held-out"),
            .. DayValidator.DuplicateIds(() => train.Ids().Concat(heldOut.Ids()), (long)train.Count + heldOut.Count, train.FirstDay, heldOut.LastDay),
            .. ContentChecks.DuplicateContent(train.ContentKeys().Concat(heldOut.ContentKeys()), profile.Validation.MaxDuplicateContentShare),
            .. ContentChecks.NullShares(rows, held, profile.Validation.MaxNullShareIncrease),
            .. ContentChecks.Numeric(rows, held),
            .. DayValidator.Drift(held, rows, profile.TrainingDays, profile.Validation),
            .. FeatureDrift.Findings(drift, heldOut.FirstDay, profile.Validation.MaxFeaturePsi),
        ], rows, held, drift);
    }

    /// <exception cref="DataValidationException">Lists every finding and how to re-run the day once fixed.</exception>
    public static void ThrowIfAny(string model, DateOnly day, IReadOnlyList<ValidationFinding> findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        if (findings.Count > 0) throw new DataValidationException(model, day, findings);
    }
}
