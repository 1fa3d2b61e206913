using Batch.Core.Options;
using Batch.Modeling.Balancers;
using Batch.Modeling.Features;
using TorchSharp.Modules;
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

    /// <summary>
    /// With several validations per epoch, on the kept epoch: after how many of its batches the kept weights were
    /// taken (null: at its end). The validation losses above are those of the epoch's last validation.
    /// </summary>
    public int? KeptAfterBatches { get; init; }
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
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        options = options.ForRows(data.Rows);
        if (options.StartAtBaseRates) StartAtBaseRates(model, data);
        var trained = options.WideFirstEpochs > 0
            ? WideFirst.Train(model, data, options, onBatch, validation, ct)
            : Train(model, data, options, keepStartIfBest: false, onBatch, validation, ct);
        if (options.FrozenTablesEpochs == 0) return trained;
        var stage = options.Copy();
        stage.Epochs = options.FrozenTablesEpochs;
        stage.WideFirstEpochs = 0;
        return Then(trained, Train(model, data, stage, keepStartIfBest: true, onBatch, validation, ct, freezeTables: true), validation is not null);
    }

    /// <summary>
    /// The history of two stages, the second started from where the first left off: the second's epochs numbered on,
    /// and the first's kept epoch marked only when no epoch of the second was kept (it competed as the second's epoch 0).
    /// </summary>
    internal static IReadOnlyList<EpochLoss> Then(IReadOnlyList<EpochLoss> first, IReadOnlyList<EpochLoss> second, bool validated)
    {
        var keptFirst = validated && !second.Any(e => e.Kept);
        return
        [
            .. first.Select(e => e with { Kept = keptFirst && e.Kept }),
            .. second.Select(e => e with { Epoch = first.Count + e.Epoch }),
        ];
    }

    /// <param name="keepStartIfBest">with validation, the weights the model starts with compete as epoch 0</param>
    /// <param name="freezeTables">every embedding table (the wide part's too) keeps its weights: the optimizer leaves them out</param>
    internal static IReadOnlyList<EpochLoss> Train(
        MultiTaskModel model, IEncodedRows data, TrainingOptions options, bool keepStartIfBest, Action<TrainingProgress>? onBatch, IEncodedRows? validation,
        CancellationToken ct, bool freezeTables = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        if (data.Rows == 0) throw new ArgumentException("Nothing to train on: the training frame is empty.");

        var device = model.Device;
        var network = model.Network;
        using var balancer = BalancerCatalog.Create(options.Balancer, MultiTaskModel.TaskCount, device);
        // Frozen tables still take the balancer's gradients (every balancer may differentiate them); they are cleared each step.
        var frozen = freezeTables ? network.TableParameters().ToHashSet(ReferenceEqualityComparer.Instance) : [];
        using var optimizer = Optimizer(network, balancer, options, frozen);
        var context = BalancerContext.Of(network);
        var inversePropensity = new InversePropensityTerm(network, options);
        var shuffle = new Random(unchecked((int)options.Seed));
        var order = Enumerable.Range(0, data.Rows).ToArray();
        var history = new List<EpochLoss>();
        var step = 0;
        var batchesPerEpoch = (data.Rows + options.BatchSize - 1) / options.BatchSize;
        var best = new BestEpoch(network);
        using var average = options.WeightAverageDecay > 0 ? new WeightAverage(network, options.WeightAverageDecay) : null;

        try
        {
            if (validation is not null && keepStartIfBest)
            {
                var (startCtr, startCtcvr) = Validate(model, validation);
                best.Offer(0, null, startCtr + startCtcvr);
            }
            // Validation after these batches of every epoch (its last batch always): evenly spread, as often as asked.
            var checks = validation is null ? 1 : Math.Min(options.ValidationsPerEpoch, batchesPerEpoch);
            var stale = 0; // validations since the best one
            var stop = false;
            for (var epoch = 1; epoch <= options.Epochs && !stop; epoch++)
            {
                (double Ctr, double Ctcvr)? validated = null;
                network.train();
                shuffle.Shuffle(order);
                double ctrSum = 0, ctcvrSum = 0;
                var weightSums = new double[MultiTaskModel.TaskCount];
                var cosines = new List<double>();
                var batches = 0;
                var seen = 0;
                // The epoch's batches are read (from memory or disk) on a background thread, a few ahead.
                using var reader = new BatchReader(data, order, options.BatchSize);
                foreach (var batch in reader.Batches(ct))
                {
                    ct.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    var (indices, values) = ModelInputs.Of(batch, device);
                    var logits = network.forward(indices, values); // [batch, 2]
                    var (clicked, converted) = (tensor(batch.Clicked, device: device), tensor(batch.Converted, device: device));
                    var (ctrLoss, ctcvrLoss) = Esmm.Losses(logits, clicked, converted);
                    var losses = inversePropensity.Losses(logits, clicked, converted, ctrLoss, ctcvrLoss);

                    double? measured = null;
                    var measure = options.DiagnosticsEvery > 0 && step % options.DiagnosticsEvery == 0 && context.SharedDense.Count > 0;
                    optimizer.ZeroGrad();
                    foreach (var table in frozen.Cast<Parameter>()) table.grad?.zero_();
                    if (measure && !balancer.MeasuresGradients)
                        measured = TaskGradients.MeanPairCosine(TaskGradients.Compute(losses, context.SharedDense, keepGraph: true));
                    var result = balancer.Backward(losses, context);
                    inversePropensity.AddGradients();
                    if (measure) measured ??= result.GradientCosine;
                    if (measured is { } cosine) cosines.Add(cosine);
                    // SNR's L0 penalty depends on the routing parameters only, not on the batch's graph.
                    network.AuxiliaryLoss()?.backward();
                    optimizer.Step();
                    if (average is not null)
                    {
                        // Rows a lazy step left behind are brought up to date before they are averaged.
                        if (options.LazyEmbeddingUpdates) optimizer.Settle();
                        average.Update();
                    }

                    ctrSum += ctrLoss.item<float>();
                    ctcvrSum += ctcvrLoss.item<float>();
                    for (var t = 0; t < weightSums.Length; t++) weightSums[t] += result.Weights[t];
                    batches++;
                    step++;
                    seen += batch.Count;
                    onBatch?.Invoke(new TrainingProgress(epoch, options.Epochs, batches, batchesPerEpoch,
                        (long)(epoch - 1) * data.Rows + seen, (long)options.Epochs * data.Rows));
                    if (validation is null || (long)batches * checks / batchesPerEpoch == (long)(batches - 1) * checks / batchesPerEpoch) continue;
                    optimizer.Settle();
                    using (average?.Applied())
                    {
                        validated = Validate(model, validation);
                        stale = best.Offer(epoch, batches == batchesPerEpoch ? null : batches, validated.Value.Ctr + validated.Value.Ctcvr) ? 0 : stale + 1;
                    }
                    if (stale >= options.Patience) { stop = true; break; }
                }
                var mean = new EpochLoss(epoch, ctrSum / batches, ctcvrSum / batches, weightSums.Select(w => w / batches).ToArray(),
                    cosines.Count == 0 ? null : cosines.Average(), cosines.Count == 0 ? null : (double)cosines.Count(c => c < 0) / cosines.Count);
                if (!double.IsFinite(mean.Ctr) || !double.IsFinite(mean.Ctcvr))
                    throw new InvalidOperationException($"Training diverged in epoch {epoch} (CTR loss {mean.Ctr}, CTCVR loss {mean.Ctcvr}); lower Training:LearningRate.");
                balancer.EndEpoch([mean.Ctr, mean.Ctcvr]);
                if (validated is { } v) mean = mean with { ValidationCtr = v.Ctr, ValidationCtcvr = v.Ctcvr };
                history.Add(mean);
            }
            optimizer.Settle();
            if (validation is not null) best.Restore();
            else average?.Apply();
        }
        finally
        {
            best.Dispose();
        }
        network.eval();
        return validation is null ? history : history.Select(e => e.Epoch == best.Epoch ? e with { Kept = true, KeptAfterBatches = best.Batches } : e).ToList();
    }

    /// <summary>
    /// AdamW over the network's parameters — embedding tables (and the wide part's weights) with the embedding decay,
    /// everything else with the dense decay; the linear terms (wide part, shortcut) at <c>WideLearningRate</c> and the
    /// field embedding tables at <c>EmbeddingLearningRate</c> when set — and the balancer's own parameters, never decayed.
    /// </summary>
    private static AdamWOptimizer Optimizer(Architectures.MultiTaskNetwork network, ILossBalancer balancer, TrainingOptions options, HashSet<object?> frozen)
    {
        var embedded = network.TableParameters().ToHashSet(ReferenceEqualityComparer.Instance);
        var linear = network.LinearTermParameters().ToHashSet(ReferenceEqualityComparer.Instance);
        var wideRate = options.WideLearningRate ?? options.LearningRate;
        var embeddingRate = options.EmbeddingLearningRate ?? options.LearningRate;
        var groups = new List<AdamWOptimizer.Group>();
        void Group(Func<Parameter, bool> take, double rate, double decay, bool byRow = false)
        {
            var members = network.parameters().Where(p => take(p) && !frozen.Contains(p)).ToList();
            if (members.Count > 0) groups.Add(new(members, rate, decay, byRow));
        }
        Group(p => embedded.Contains(p) && !linear.Contains(p), embeddingRate, options.EmbeddingWeightDecay, options.LazyEmbeddingUpdates);
        Group(p => !embedded.Contains(p) && !linear.Contains(p), options.LearningRate, options.WeightDecay);
        Group(p => embedded.Contains(p) && linear.Contains(p), wideRate, options.EmbeddingWeightDecay, options.LazyEmbeddingUpdates);
        Group(p => !embedded.Contains(p) && linear.Contains(p), wideRate, options.WeightDecay);
        if (balancer.Parameters.Any()) groups.Add(new([.. balancer.Parameters], options.LearningRate, 0));
        return new AdamWOptimizer(groups);
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

        /// <summary>After how many batches of <see cref="Epoch"/> (null: at its end).</summary>
        public int? Batches { get; private set; }

        /// <returns>whether the loss is the best so far (and its weights are now kept)</returns>
        public bool Offer(int epoch, int? batches, double loss)
        {
            if (!(loss < _loss)) return false;
            (_loss, Epoch, Batches) = (loss, epoch, batches);
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
