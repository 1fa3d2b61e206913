using Batch.Core.Options;
using Batch.Modeling.Balancers;
using Batch.Modeling.Features;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Training;

/// <summary>
/// One epoch of training: mean loss per task, mean weight per task, and — where measured — the mean cosine between
/// the task gradients on the shared parameters and how often it was negative (the tasks conflicted).
/// </summary>
public sealed record EpochLoss(int Epoch, double Ctr, double Ctcvr, IReadOnlyList<double> Weights, double? GradientCosine, double? ConflictRate);

/// <summary>Where training stands after a step: epoch and batch (both from 1) of how many, and samples seen in all.</summary>
public sealed record TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, long Samples, long TotalSamples);

/// <summary>
/// Trains a model with Adam on its ESMM losses, combined by the configured loss balancer, synchronously on the
/// calling thread.
/// </summary>
public static class Trainer
{
    /// <param name="onBatch">called on the training thread after each step</param>
    public static IReadOnlyList<EpochLoss> Train(MultiTaskModel model, EncodedFrame data, TrainingOptions options, CancellationToken ct, Action<TrainingProgress>? onBatch = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        if (data.Rows == 0) throw new ArgumentException("Nothing to train on: the training frame is empty.");

        var device = model.Device;
        var network = model.Network;
        using var indices = tensor(data.Indices, [data.Rows, data.CategoricalCount], dtype: int64, device: device);
        using var values = tensor(data.Values, [data.Rows, data.NumericCount], dtype: float32, device: device);
        using var clicked = tensor(data.Clicked, dtype: float32, device: device);
        using var converted = tensor(data.Converted, dtype: float32, device: device);
        using var balancer = BalancerCatalog.Create(options.Balancer, MultiTaskModel.TaskCount, device);
        using var optimizer = optim.Adam(network.parameters().Concat(balancer.Parameters), options.LearningRate);
        var context = BalancerContext.Of(network);
        var shuffle = new Random(unchecked((int)options.Seed));
        var order = Enumerable.Range(0, data.Rows).Select(i => (long)i).ToArray();
        var history = new List<EpochLoss>();
        var step = 0;
        var batchesPerEpoch = (data.Rows + options.BatchSize - 1) / options.BatchSize;

        network.train();
        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            shuffle.Shuffle(order);
            double ctrSum = 0, ctcvrSum = 0;
            var weightSums = new double[MultiTaskModel.TaskCount];
            var cosines = new List<double>();
            var batches = 0;
            for (var start = 0; start < data.Rows; start += options.BatchSize)
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var rows = tensor(order.AsSpan(start, Math.Min(options.BatchSize, data.Rows - start)).ToArray(), device: device);
                var logits = network.forward(indices.index_select(0, rows), values.index_select(0, rows)); // [batch, 2]
                var (ctrLoss, ctcvrLoss) = Esmm.Losses(logits, clicked.index_select(0, rows), converted.index_select(0, rows));
                Tensor[] losses = [ctrLoss, ctcvrLoss];

                double? measured = null;
                var measure = options.DiagnosticsEvery > 0 && step % options.DiagnosticsEvery == 0 && context.Shared.Count > 0;
                optimizer.zero_grad();
                if (measure && !balancer.MeasuresGradients)
                    measured = TaskGradients.MeanPairCosine(TaskGradients.Compute(losses, context.Shared, keepGraph: true));
                var result = balancer.Backward(losses, context);
                if (measure) measured ??= result.GradientCosine;
                if (measured is { } cosine) cosines.Add(cosine);
                // SNR's L0 penalty depends on the routing parameters only, not on the batch's graph.
                network.AuxiliaryLoss()?.backward();
                optimizer.step();

                ctrSum += ctrLoss.item<float>();
                ctcvrSum += ctcvrLoss.item<float>();
                for (var t = 0; t < weightSums.Length; t++) weightSums[t] += result.Weights[t];
                batches++;
                step++;
                onBatch?.Invoke(new TrainingProgress(epoch, options.Epochs, batches, batchesPerEpoch,
                    (long)(epoch - 1) * data.Rows + Math.Min(data.Rows, start + options.BatchSize), (long)options.Epochs * data.Rows));
            }
            var mean = new EpochLoss(epoch, ctrSum / batches, ctcvrSum / batches, weightSums.Select(w => w / batches).ToArray(),
                cosines.Count == 0 ? null : cosines.Average(), cosines.Count == 0 ? null : (double)cosines.Count(c => c < 0) / cosines.Count);
            if (!double.IsFinite(mean.Ctr) || !double.IsFinite(mean.Ctcvr))
                throw new InvalidOperationException($"Training diverged in epoch {epoch} (CTR loss {mean.Ctr}, CTCVR loss {mean.Ctcvr}); lower Training:LearningRate.");
            balancer.EndEpoch([mean.Ctr, mean.Ctcvr]);
            history.Add(mean);
        }
        network.eval();
        return history;
    }
}
