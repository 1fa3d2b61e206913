using Batch.Core.Options;
using Batch.Modeling.Balancers;
using Batch.Modeling.Features;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Training;

/// <summary>
/// What training keeps from one epoch to the next: the balancer, the optimizer, the shuffled row order and the step
/// count. <see cref="Epoch"/> runs one pass over the training rows, in batches read ahead on a background thread.
/// </summary>
internal sealed class TrainingSession : IDisposable
{
    private readonly MultiTaskModel _model;
    private readonly IEncodedRows _data;
    private readonly TrainingOptions _options;
    private readonly Action<TrainingProgress>? _onBatch;
    private readonly ILossBalancer _balancer;
    private readonly AdamWOptimizer _optimizer;
    private readonly BalancerContext _context;
    private readonly Random _shuffle;
    private readonly int[] _order;
    private readonly int _batchesPerEpoch;
    private int _step;

    public TrainingSession(MultiTaskModel model, IEncodedRows data, TrainingOptions options, Action<TrainingProgress>? onBatch)
    {
        (_model, _data, _options, _onBatch) = (model, data, options, onBatch);
        _balancer = BalancerCatalog.Create(options.Balancer, model.Tasks.Count, model.Device);
        _optimizer = Optimizer(model.Network, _balancer, options);
        _context = BalancerContext.Of(model.Network);
        _shuffle = new Random(unchecked((int)options.Seed));
        _order = Enumerable.Range(0, data.Rows).ToArray();
        _batchesPerEpoch = (data.Rows + options.BatchSize - 1) / options.BatchSize;
    }

    /// <summary>One pass over the training rows in a fresh shuffle; the epoch's mean losses, weights and gradient conflict.</summary>
    public EpochLoss Epoch(int epoch, CancellationToken ct)
    {
        _model.Network.train();
        _shuffle.Shuffle(_order);
        var tasks = _model.Tasks;
        var lossSums = new double[tasks.Count];
        var weightSums = new double[tasks.Count];
        var cosines = new List<double>();
        var pairs = Enumerable.Range(0, tasks.Count * (tasks.Count - 1) / 2).Select(_ => new List<double>()).ToArray();
        var (batches, seen) = (0, 0);
        // The epoch's batches are read (from memory or disk) on a background thread, a few ahead.
        using var reader = new BatchReader(_data, _order, _options.BatchSize);
        foreach (var batch in reader.Batches(ct))
        {
            ct.ThrowIfCancellationRequested();
            var (losses, weights, cosine) = Step(batch);
            for (var t = 0; t < tasks.Count; t++) (lossSums[t], weightSums[t]) = (lossSums[t] + losses[t], weightSums[t] + weights[t]);
            if (cosine is { Count: > 0 } c)
            {
                cosines.Add(c.Average());
                for (var p = 0; p < pairs.Length; p++) pairs[p].Add(c[p]);
            }
            (batches, seen) = (batches + 1, seen + batch.Count);
            _onBatch?.Invoke(new TrainingProgress(epoch, _options.Epochs, batches, _batchesPerEpoch,
                (long)(epoch - 1) * _data.Rows + seen, (long)_options.Epochs * _data.Rows));
        }
        var means = lossSums.Select(l => l / batches).ToArray();
        var mean = new EpochLoss(epoch, tasks.ByLossName(means), weightSums.Select(w => w / batches).ToArray(),
            cosines.Count == 0 ? null : cosines.Average(), cosines.Count == 0 ? null : (double)cosines.Count(c => c < 0) / cosines.Count)
        {
            PairCosines = cosines.Count == 0 ? null : Pairs(tasks, pairs.Select(p => p.Average()).ToArray()),
            PairConflictRates = cosines.Count == 0 ? null : Pairs(tasks, pairs.Select(p => (double)p.Count(c => c < 0) / p.Count).ToArray()),
        };
        if (!means.All(double.IsFinite))
            throw new InvalidOperationException(
                $"Training diverged in epoch {epoch} ({string.Join(", ", mean.Losses.Select(l => $"{l.Key} loss {l.Value}"))}); lower Training:LearningRate.");
        _balancer.EndEpoch(means);
        return mean;
    }

    /// <summary>Per pair of tasks (i &lt; j, in order), keyed <c>{i's loss name}~{j's}</c>.</summary>
    private static Dictionary<string, double> Pairs(TaskSet tasks, double[] values)
    {
        var keyed = new Dictionary<string, double>(StringComparer.Ordinal);
        var p = 0;
        for (var i = 0; i < tasks.Count; i++)
            for (var j = i + 1; j < tasks.Count; j++) keyed[$"{tasks.LossNames[i]}~{tasks.LossNames[j]}"] = values[p++];
        return keyed;
    }

    /// <summary>One optimizer step on a batch: its losses, the balancer's weights, and the pairs' gradient cosines where measured.</summary>
    private (double[] Losses, IReadOnlyList<double> Weights, IReadOnlyList<double>? Cosines) Step(EncodedBatch batch)
    {
        using var scope = NewDisposeScope();
        var device = _model.Device;
        var (indices, values) = ModelInputs.Of(batch, device);
        var logits = _model.Network.forward(indices, values); // [batch, tasks]
        var losses = _model.Tasks.Losses(logits, ModelInputs.Targets(batch, device));

        IReadOnlyList<double>? measured = null;
        var measure = _options.DiagnosticsEvery > 0 && _step % _options.DiagnosticsEvery == 0 && _context.SharedDense.Count > 0;
        _optimizer.ZeroGrad();
        if (measure && !_balancer.MeasuresGradients)
            measured = TaskGradients.PairCosines(TaskGradients.Compute(losses, _context.SharedDense, keepGraph: true));
        var result = _balancer.Backward(losses, _context);
        if (measure) measured ??= result.PairCosines;
        // SNR's L0 penalty depends on the routing parameters only, not on the batch's graph.
        _model.Network.AuxiliaryLoss()?.backward();
        _optimizer.Step();
        _step++;
        return ([.. losses.Select(l => (double)l.item<float>())], result.Weights, measured);
    }

    /// <summary>Brings every row a lazy update left behind up to date (before a validation, and at the end).</summary>
    public void Settle() => _optimizer.Settle();

    /// <summary>
    /// AdamW over the network's parameters — the field embedding tables at <c>EmbeddingLearningRate</c> with the embedding
    /// decay, the wide part's tables with the embedding decay, everything else with the dense decay — and the balancer's
    /// own parameters, never decayed.
    /// </summary>
    private static AdamWOptimizer Optimizer(Architectures.MultiTaskNetwork network, ILossBalancer balancer, TrainingOptions options)
    {
        var tables = network.TableParameters().ToHashSet(ReferenceEqualityComparer.Instance);
        var fields = network.FieldTableParameters().ToHashSet(ReferenceEqualityComparer.Instance);
        var groups = new List<AdamWOptimizer.Group>();
        void Group(Func<Parameter, bool> take, double rate, double decay, bool byRow = false)
        {
            var members = network.parameters().Where(take).ToList();
            if (members.Count > 0) groups.Add(new(members, rate, decay, byRow));
        }
        Group(fields.Contains, options.EmbeddingLearningRate ?? options.LearningRate, options.EmbeddingWeightDecay, options.LazyEmbeddingUpdates);
        Group(p => !tables.Contains(p), options.LearningRate, options.WeightDecay);
        Group(p => tables.Contains(p) && !fields.Contains(p), options.LearningRate, options.EmbeddingWeightDecay, options.LazyEmbeddingUpdates);
        if (balancer.Parameters.Any()) groups.Add(new([.. balancer.Parameters], options.LearningRate, 0));
        return new AdamWOptimizer(groups);
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _balancer.Dispose();
    }
}
