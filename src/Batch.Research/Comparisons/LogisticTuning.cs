using System.Globalization;
using Batch.Core.Options;
using Batch.Modeling.Training;
using Batch.Pipeline.Runs;

namespace Batch.Research.Comparisons;

/// <summary>
/// One setting tried for the logistic yardstick, a regularisation strength at a learning rate: its best validation loss
/// (CTR + CTCVR) and the epoch that reached it.
/// </summary>
public sealed record DecayTrial(double Decay, double ValidationLoss, int Epochs, double Rate);

/// <summary>
/// The strength and learning rate chosen, with the epochs their trial needed, every strength tried at that rate, the
/// rates tried without decay when the profile names two, and the days it was judged on.
/// </summary>
public sealed record DecayChoice(double Decay, IReadOnlyList<DecayTrial> Trials, string JudgedOn)
{
    /// <summary>The learning rates tried (without decay) before the strengths, when the profile names two; else empty.</summary>
    public IReadOnlyList<DecayTrial> RateTrials { get; init; } = [];

    /// <summary>The learning rate the strengths were tried at.</summary>
    public double Rate => Trials[0].Rate;

    /// <summary>The epoch the chosen trial's validation loss was lowest at.</summary>
    public int Epochs => Trials.First(t => t.Decay == Decay).Epochs;

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"weight decay {Decay:G3} chosen on the validation loss (ctr + ctcvr) of {JudgedOn}, best after {Epochs} epoch{(Epochs == 1 ? "" : "s")}; tried {string.Join(", ", Trials.Select(t => $"{t.Decay:G3} → {t.ValidationLoss:F5} ({t.Epochs})"))}")
        + (RateTrials.Count < 2 ? "" : string.Create(CultureInfo.InvariantCulture,
            $"; at learning rate {Rate:G3}, the better without decay of {string.Join(", ", RateTrials.Select(t => $"{t.Rate:G3} → {t.ValidationLoss:F5} ({t.Epochs})"))}"));
}

/// <summary>
/// The logistic yardstick is tuned the way one tunes a linear model before comparing against it: its decoupled
/// weight decay (L2 on every weight, the wide tables included) is chosen from <see cref="Decays"/> by the
/// validation loss — on the profile's validation days, or, when it holds none apart, on the window's last day
/// with the encoders fitted on the days before. The held-out day is never looked at. Each trial trains until its
/// validation loss stops improving (the profile's <c>Patience</c>), up to <see cref="MaxEpochs"/> epochs or the
/// profile's <c>Epochs</c> if more, whatever the profile's own epoch count: a yardstick cut short by a deep
/// model's epoch budget would flatter the deep model. Where the profile trains its linear terms at a rate of their own
/// (<c>WideLearningRate</c>), the yardstick trains at whichever of that and <c>LearningRate</c> gives the lower
/// validation loss without decay: a step chosen for the wide part beside a deep network must not weaken the yardstick.
/// </summary>
public static class LogisticTuning
{
    public static readonly IReadOnlyList<double> Decays = [0, 1e-3, 1e-2, 1e-1, 1];

    /// <summary>The most epochs a trial (and the yardstick) trains, unless the profile's <c>Epochs</c> is more.</summary>
    public const int MaxEpochs = 30;

    /// <summary>The settings a trial trains with: the decay and learning rate, and the epoch cap in place of the profile's count.</summary>
    public static TrainingOptions Converging(TrainingOptions training, double decay, double rate)
    {
        ArgumentNullException.ThrowIfNull(training);
        var options = training.WithDecay(decay);
        options.Epochs = Math.Max(training.Epochs, MaxEpochs);
        options.LearningRate = rate;
        options.WideLearningRate = null;
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
        DecayTrial Trial(double decay, double rate)
        {
            ct.ThrowIfCancellationRequested();
            var options = Converging(training, decay, rate);
            using var model = MultiTaskModel.Create(split.Encoders, logistic, window.Device, options.Seed);
            var history = Trainer.Train(model, split.Fit, options, ct, validation: split.Validation);
            var (ctr, ctcvr) = Trainer.Validate(model, split.Validation!);
            return new DecayTrial(decay, ctr + ctcvr, history.Single(e => e.Kept).Epoch, rate);
        }
        double[] rates = [.. new[] { training.WideLearningRate ?? training.LearningRate, training.LearningRate }.Distinct()];
        var rateTrials = rates.Length < 2 ? [] : rates.Select(r => Trial(Decays[0], r)).ToList();
        var rate = rateTrials.Count == 0 ? rates[0] : rateTrials.MinBy(t => t.ValidationLoss)!.Rate;
        var trials = Decays.Select(decay => rateTrials.FirstOrDefault(t => t.Decay == decay && t.Rate == rate) ?? Trial(decay, rate)).ToList();
        return new DecayChoice(trials.MinBy(t => t.ValidationLoss)!.Decay, trials, judged) { RateTrials = rateTrials };
    }
}
