using System.Globalization;
using Batch.Core.Options;
using Batch.Modeling.Training;
using Batch.Pipeline.Runs;

namespace Batch.Research.Comparisons;

/// <summary>
/// One regularisation strength tried for the logistic yardstick: its best validation loss (CTR + CTCVR) and the epoch
/// that reached it.
/// </summary>
public sealed record DecayTrial(double Decay, double ValidationLoss, int Epochs);

/// <summary>The strength chosen, with the epochs its trial needed, every trial, and the days it was judged on.</summary>
public sealed record DecayChoice(double Decay, IReadOnlyList<DecayTrial> Trials, string JudgedOn)
{
    /// <summary>The epoch the chosen trial's validation loss was lowest at.</summary>
    public int Epochs => Trials.First(t => t.Decay == Decay).Epochs;

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"weight decay {Decay:G3} chosen on the validation loss (ctr + ctcvr) of {JudgedOn}, best after {Epochs} epoch{(Epochs == 1 ? "" : "s")}; tried {string.Join(", ", Trials.Select(t => $"{t.Decay:G3} → {t.ValidationLoss:F5} ({t.Epochs})"))}");
}

/// <summary>
/// The logistic yardstick is tuned the way one tunes a linear model before comparing against it: its decoupled
/// weight decay (L2 on every weight, the wide tables included) is chosen from <see cref="Decays"/> by the
/// validation loss — on the profile's validation days, or, when it holds none apart, on the window's last day
/// with the encoders fitted on the days before. The held-out day is never looked at. Each trial trains until its
/// validation loss stops improving (the profile's <c>Patience</c>), up to <see cref="MaxEpochs"/> epochs or the
/// profile's <c>Epochs</c> if more, whatever the profile's own epoch count: a yardstick cut short by a deep
/// model's epoch budget would flatter the deep model.
/// </summary>
public static class LogisticTuning
{
    public static readonly IReadOnlyList<double> Decays = [0, 1e-3, 1e-2, 1e-1, 1];

    /// <summary>The most epochs a trial (and the yardstick) trains, unless the profile's <c>Epochs</c> is more.</summary>
    public const int MaxEpochs = 30;

    /// <summary>The settings a trial trains with: the decay, and the epoch cap in place of the profile's count.</summary>
    public static TrainingOptions Converging(TrainingOptions training, double decay)
    {
        ArgumentNullException.ThrowIfNull(training);
        var options = training.WithDecay(decay);
        options.Epochs = Math.Max(training.Epochs, MaxEpochs);
        return options;
    }

    public static DecayChoice Choose(PreparedWindow window, ArchitectureOptions logistic, TrainingOptions training, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(training);
        var days = window.Profile.Training.ValidationDays;
        var split = window.Validation is { } validation
            ? new EncodedWindow(window.Encoders, window.Encoded, validation)
            : TrainingData.Encode(window.Train, window.Profile.Features, days: 1);
        var judged = window.Validation is null ? $"{window.Train.LastDay:yyyy-MM-dd}" : $"the last {days} training day{(days == 1 ? "" : "s")}";
        var trials = Decays.Select(decay =>
        {
            ct.ThrowIfCancellationRequested();
            var options = Converging(training, decay);
            using var model = MultiTaskModel.Create(split.Encoders, logistic, window.Device, options.Seed);
            var history = Trainer.Train(model, split.Fit, options, ct, validation: split.Validation);
            var (ctr, ctcvr) = Trainer.Validate(model, split.Validation!);
            return new DecayTrial(decay, ctr + ctcvr, history.Single(e => e.Kept).Epoch);
        }).ToList();
        return new DecayChoice(trials.MinBy(t => t.ValidationLoss)!.Decay, trials, judged);
    }
}
