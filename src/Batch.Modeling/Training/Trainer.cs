using Batch.Core.Options;
using Batch.Modeling.Features;
using static TorchSharp.torch;

namespace Batch.Modeling.Training;

/// <summary>
/// One epoch of training: mean loss per task, mean weight per task, and — where measured — the mean cosine between
/// the task gradients on the shared dense parameters and how often it was negative (the tasks conflicted); with a
/// validation split, the validation losses after the epoch.
/// </summary>
public sealed record EpochLoss(int Epoch, double Ctr, double Ctcvr, IReadOnlyList<double> Weights, double? GradientCosine, double? ConflictRate)
{
    public double? ValidationCtr { get; init; }
    public double? ValidationCtcvr { get; init; }

    /// <summary>The epoch whose weights the model kept (the best validation loss).</summary>
    public bool Kept { get; init; }
}

/// <summary>Where training stands after a step: epoch and batch (both from 1) of how many, and samples seen in all.</summary>
public sealed record TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, long Samples, long TotalSamples);

/// <summary>
/// Trains a model with AdamW on its ESMM losses, combined by the configured loss balancer, synchronously on the
/// calling thread. Embedding tables (and the wide part) decay apart from the dense layers. With a validation frame,
/// each epoch ends with the validation loss; training stops once it has not improved for <c>Patience</c> epochs,
/// and the model keeps the weights of its best epoch.
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
                var (ctr, ctcvr) = Validate(model, validation);
                loss = loss with { ValidationCtr = ctr, ValidationCtcvr = ctcvr };
                stale = best.Offer(epoch, ctr + ctcvr) ? 0 : stale + 1;
            }
            history.Add(loss);
        }
        session.Settle();
        if (validation is not null) best.Restore();
        model.Network.eval();
        return validation is null ? history : history.Select(e => e with { Kept = e.Epoch == best.Epoch }).ToList();
    }

    /// <summary>
    /// Shifts the model's logits so that, where they stood at 0, they stand at the base rates of <paramref name="data"/>:
    /// logit(clicks / impressions) for CTR and logit(conversions / clicks) for CVR (ESMM's CVR is among clicks).
    /// </summary>
    public static IReadOnlyList<double> StartAtBaseRates(MultiTaskModel model, IEncodedRows data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var (clicks, conversions) = data.Outcomes;
        if (clicks == 0 || clicks == data.Rows || conversions == 0 || conversions == clicks)
            throw new ArgumentException(
                $"Training:StartAtBaseRates needs both outcomes of both tasks in the training frame; it has {data.Rows} impressions, {clicks} clicks and {conversions} conversions.");
        double[] shifts = [Math.Log(clicks / (data.Rows - clicks)), Math.Log(conversions / (clicks - conversions))];
        model.Network.ShiftLogits(shifts);
        return shifts;
    }

    /// <summary>Mean CTR and CTCVR losses of the model on a frame, in evaluation mode, without gradients.</summary>
    public static (double Ctr, double Ctcvr) Validate(MultiTaskModel model, IEncodedRows frame)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(frame);
        var network = model.Network;
        var training = network.training;
        network.eval();
        using var _ = no_grad();
        double ctr = 0, ctcvr = 0;
        foreach (var (_, batch) in frame.InOrder(8192))
        {
            using var scope = NewDisposeScope();
            var n = batch.Count;
            var (indices, values) = ModelInputs.Of(batch, model.Device);
            var (c, cc) = Esmm.Losses(network.forward(indices, values), tensor(batch.Clicked, device: model.Device), tensor(batch.Converted, device: model.Device));
            ctr += c.item<float>() * n;
            ctcvr += cc.item<float>() * n;
        }
        if (training) network.train();
        return (ctr / frame.Rows, ctcvr / frame.Rows);
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
