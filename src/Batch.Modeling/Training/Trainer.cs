using Batch.Core.Options;
using Batch.Modeling.Features;
using static TorchSharp.torch;

namespace Batch.Modeling.Training;

/// <summary>Mean per-task training loss of one epoch.</summary>
public sealed record EpochLoss(int Epoch, double Ctr, double Ctcvr);

/// <summary>Trains a model with Adam on the weighted sum of its ESMM losses, synchronously on the calling thread.</summary>
public static class Trainer
{
    public static IReadOnlyList<EpochLoss> Train(MultiTaskModel model, EncodedFrame data, TrainingOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        if (data.Rows == 0) throw new ArgumentException("Nothing to train on: the training frame is empty.");

        var device = model.Device;
        using var indices = tensor(data.Indices, [data.Rows, data.CategoricalCount], dtype: int64, device: device);
        using var values = tensor(data.Values, [data.Rows, data.NumericCount], dtype: float32, device: device);
        using var clicked = tensor(data.Clicked, dtype: float32, device: device);
        using var converted = tensor(data.Converted, dtype: float32, device: device);
        using var optimizer = optim.Adam(model.Network.parameters(), options.LearningRate);
        var shuffle = new Random(unchecked((int)options.Seed));
        var order = Enumerable.Range(0, data.Rows).Select(i => (long)i).ToArray();
        var history = new List<EpochLoss>();

        model.Network.train();
        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            shuffle.Shuffle(order);
            double ctrSum = 0, ctcvrSum = 0;
            var batches = 0;
            for (var start = 0; start < data.Rows; start += options.BatchSize)
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var rows = tensor(order.AsSpan(start, Math.Min(options.BatchSize, data.Rows - start)).ToArray(), device: device);
                var logits = model.Network.forward(indices.index_select(0, rows), values.index_select(0, rows)); // [batch, 2]
                var (ctrLoss, ctcvrLoss) = Esmm.Losses(logits, clicked.index_select(0, rows), converted.index_select(0, rows));
                var loss = ctrLoss * options.CtrLossWeight + ctcvrLoss * options.CtcvrLossWeight;
                if (model.Network.AuxiliaryLoss() is { } auxiliary) loss = loss + auxiliary;
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                ctrSum += ctrLoss.item<float>();
                ctcvrSum += ctcvrLoss.item<float>();
                batches++;
            }
            var mean = new EpochLoss(epoch, ctrSum / batches, ctcvrSum / batches);
            if (!double.IsFinite(mean.Ctr) || !double.IsFinite(mean.Ctcvr))
                throw new InvalidOperationException($"Training diverged in epoch {epoch} (CTR loss {mean.Ctr}, CTCVR loss {mean.Ctcvr}); lower Training:LearningRate.");
            history.Add(mean);
        }
        model.Network.eval();
        return history;
    }
}
