using Batch.Core.Options;
using Batch.Modeling.Features;
using static TorchSharp.torch;

namespace Batch.Modeling.Training;

/// <summary>
/// One epoch of training: mean loss per task (by <see cref="TaskSet.LossNames"/>: a chained task's under its chain
/// product's name), mean weight per task, and — where measured — the mean cosine between the task gradients on the
/// shared dense parameters and how often it was negative (the tasks conflicted); with a validation split, the
/// validation losses after the epoch.
/// </summary>
public sealed record EpochLoss(int Epoch, IReadOnlyDictionary<string, double> Losses, IReadOnlyList<double> Weights, double? GradientCosine, double? ConflictRate)
{
    public IReadOnlyDictionary<string, double>? ValidationLosses { get; init; }

    /// <summary>Per pair of tasks (<c>ctr~ctcvr</c>, by loss name): the mean cosine of their gradients on the shared dense parameters, where measured.</summary>
    public IReadOnlyDictionary<string, double>? PairCosines { get; init; }

    /// <summary>Per pair of tasks: how often their gradients' cosine was negative, where measured.</summary>
    public IReadOnlyDictionary<string, double>? PairConflictRates { get; init; }

    /// <summary>The epoch whose weights the model kept (the best validation loss).</summary>
    public bool Kept { get; init; }
}

/// <summary>Where training stands after a step: epoch and batch (both from 1) of how many, and samples seen in all.</summary>
public sealed record TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, long Samples, long TotalSamples);

/// <summary>
/// Trains a model with AdamW on its tasks' losses (<see cref="TaskSet.Losses"/>), combined by the configured loss
/// balancer, synchronously on the calling thread. Embedding tables (and the wide part) decay apart from the dense
/// layers. With a validation frame, each epoch ends with the validation losses; training stops once their sum over
/// the main tasks has not improved for <c>Patience</c> epochs, and the model keeps the weights of its best epoch.
/// </summary>
public static class Trainer
{
    /// <param name="onBatch">called on the training thread after each step</param>
    /// <param name="validation">the held-apart validation days, encoded like <paramref name="data"/>; null to train all epochs</param>
    public static IReadOnlyList<EpochLoss> Train(
        MultiTaskModel model, IEncodedRows data, TrainingOptions options, CancellationToken ct, Action<TrainingProgress>? onBatch = null, IEncodedRows? validation = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        if (data.Rows == 0) throw new ArgumentException("Nothing to train on: the training frame is empty.");
        options = options.ForRows(data.Rows);
        if (options.StartAtBaseRates) StartAtBaseRates(model, data);

        using var session = new TrainingSession(model, data, options, onBatch);
        using var best = new BestEpoch(model.Network);
        var history = new List<EpochLoss>();
        var stale = 0; // epochs since the best one
        for (var epoch = 1; epoch <= options.Epochs && stale < options.Patience; epoch++)
        {
            var loss = session.Epoch(epoch, ct);
            if (validation is not null)
            {
                session.Settle();
                var losses = Validate(model, validation);
                loss = loss with { ValidationLosses = losses };
                stale = best.Offer(epoch, model.Tasks.MainTasks.Sum(t => losses[model.Tasks.LossNames[t]])) ? 0 : stale + 1;
            }
            history.Add(loss);
        }
        session.Settle();
        if (validation is not null) best.Restore();
        model.Network.eval();
        return validation is null ? history : history.Select(e => e with { Kept = e.Epoch == best.Epoch }).ToList();
    }

    /// <summary>
    /// Shifts the model's logits so that, where they stood at 0, they stand at the base rates of <paramref name="data"/>
    /// (<see cref="TaskSet.BaseRateLogits"/>): for today's tasks, logit(clicks / impressions) for CTR and
    /// logit(conversions / clicks) for CVR (ESMM's CVR is among clicks).
    /// </summary>
    public static IReadOnlyList<double> StartAtBaseRates(MultiTaskModel model, IEncodedRows data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var shifts = model.Tasks.BaseRateLogits(data.TargetSums, data.Rows);
        model.Network.ShiftLogits(shifts);
        return shifts;
    }

    /// <summary>Every task's mean loss on a frame (by <see cref="TaskSet.LossNames"/>), in evaluation mode, without gradients.</summary>
    public static IReadOnlyDictionary<string, double> Validate(MultiTaskModel model, IEncodedRows frame)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(frame);
        var network = model.Network;
        var training = network.training;
        network.eval();
        using var _ = no_grad();
        var sums = new double[model.Tasks.Count];
        foreach (var (_, batch) in frame.InOrder(8192))
        {
            using var scope = NewDisposeScope();
            var (indices, values) = ModelInputs.Of(batch, model.Device);
            var losses = model.Tasks.Losses(network.forward(indices, values), ModelInputs.Targets(batch, model.Device));
            for (var t = 0; t < sums.Length; t++) sums[t] += losses[t].item<float>() * batch.Count;
        }
        if (training) network.train();
        return model.Tasks.ByLossName([.. sums.Select(s => s / frame.Rows)]);
    }

    /// <summary>A copy of the weights of the best validation so far, put back at the end.</summary>
    private sealed class BestEpoch(Architectures.MultiTaskNetwork network) : IDisposable
    {
        private Dictionary<string, Tensor>? _weights;
        private double _loss = double.PositiveInfinity;

        public int Epoch { get; private set; }

        /// <returns>whether the loss is the best so far (and its weights are now kept)</returns>
        public bool Offer(int epoch, double loss)
        {
            if (!(loss < _loss)) return false;
            (_loss, Epoch) = (loss, epoch);
            Dispose();
            using var _ = no_grad();
            // Kept beyond the batch's dispose scope it may be taken in.
            _weights = network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
            return true;
        }

        public void Restore()
        {
            if (_weights is null) return;
            using var _ = no_grad();
            foreach (var (name, value) in network.state_dict()) value.copy_(_weights[name]);
        }

        public void Dispose()
        {
            foreach (var t in _weights?.Values ?? Enumerable.Empty<Tensor>()) t.Dispose();
            _weights = null;
        }
    }
}
