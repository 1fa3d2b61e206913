using Batch.Core.Options;
using Batch.Modeling.Architectures;
using Batch.Modeling.Features;

namespace Batch.Modeling.Training;

/// <summary>
/// <c>Training:WideFirstEpochs</c>: the wide part is trained alone first — the deep part silent (task heads at zero,
/// weights frozen), so the model is the logistic model — and then the whole model from there. With validation days
/// the wide-only weights compete as the second stage's epoch 0, so the deep part is kept only where it lowers the
/// validation loss. The history lists both stages' epochs in order.
/// </summary>
public static class WideFirst
{
    public static IReadOnlyList<EpochLoss> Train(
        MultiTaskModel model, IEncodedRows data, TrainingOptions options, Action<TrainingProgress>? onBatch, IEncodedRows? validation, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var first = TrainWideOnly(model, data, options, onBatch, validation, ct);
        var second = Trainer.Train(model, data, Stage(options, options.Epochs, wideOnly: false), keepStartIfBest: true, onBatch, validation, ct);
        return Trainer.Then(first, second, validation is not null);
    }

    /// <summary>The first stage alone: the deep part silenced and frozen, the wide part trained for <c>WideFirstEpochs</c>.</summary>
    public static IReadOnlyList<EpochLoss> TrainWideOnly(
        MultiTaskModel model, IEncodedRows data, TrainingOptions options, Action<TrainingProgress>? onBatch, IEncodedRows? validation, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (model.Network is not WideAndDeep { HasWidePart: true } both)
            throw new ArgumentException("Training:WideFirstEpochs needs the wide part beside a deep architecture (Architecture:Wide).");
        both.SilenceDeep();
        var deep = both.DeepParameters().ToList();
        foreach (var p in deep) p.requires_grad_(false);
        try
        {
            return Trainer.Train(model, data, Stage(options, options.WideFirstEpochs, wideOnly: true), keepStartIfBest: false, onBatch, validation, ct);
        }
        finally
        {
            foreach (var p in deep) p.requires_grad_(true);
        }
    }

    // The wide stage trains with fixed weights and no gradient diagnostics: frozen weights take no per-task gradients.
    private static TrainingOptions Stage(TrainingOptions options, int epochs, bool wideOnly)
    {
        var stage = options.Copy();
        stage.Epochs = epochs;
        stage.WideFirstEpochs = 0;
        if (!wideOnly) stage.LearningRate = options.SecondStageLearningRate ?? options.LearningRate;
        if (wideOnly)
        {
            stage.Balancer = new BalancerOptions { Name = "fixed" };
            stage.DiagnosticsEvery = 0;
        }
        return stage;
    }
}
