using System.Diagnostics;
using Batch.Core.Options;
using Batch.Lab.Synthetic;
using Batch.Modeling.Architectures;
using Batch.Modeling.Training;
using Batch.Modeling.Plugins;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Lab.Benchmarks;

/// <summary>The embedding tables a benchmark's network reads: one per field, of these sizes, all of one dimension.</summary>
public sealed record TableShape(string Description, IReadOnlyList<int> Cardinalities, int EmbeddingDim)
{
    /// <summary>The benchmark's own: 10 tables of 10 000 rows, dimension 16 — vocabularies larger than the demo's.</summary>
    public static readonly TableShape Large = new("10 embedding tables of 10000×16", Enumerable.Repeat(10_000, 10).ToArray(), 16);

    /// <summary>Vocabularies of a production's size: 10 tables of 200 000 rows, dimension 16.</summary>
    public static readonly TableShape Huge = new("10 embedding tables of 200000×16", Enumerable.Repeat(200_000, 10).ToArray(), 16);

    /// <summary>
    /// The default profile's tables as the nightly fits them on the demo's window: user, item, segment, category,
    /// device, hour, slot and segment × category, each value seen (the synthetic world has every one many times
    /// over) plus the unknown row; dimension 8.
    /// </summary>
    public static readonly TableShape Demo = new(
        "the default profile's 8 tables on the demo's data (3001, 601, 5, 9, 4, 25, 11 and 33 rows ×8)",
        [3000 + 1, 600 + 1, SyntheticWorld.Segments.Length + 1, SyntheticWorld.Categories.Length + 1, SyntheticWorld.Devices.Length + 1, 24 + 1,
         SyntheticWorld.Slots + 1, SyntheticWorld.Segments.Length * SyntheticWorld.Categories.Length + 1], 8);
}

/// <summary>Training throughput of one architecture at one batch size and task count.</summary>
public sealed record ThroughputResult(string Architecture, int BatchSize, int Tasks, long Parameters, double SamplesPerSecond, double GflopsPerSecond, double FractionOfMatmul);

/// <summary>
/// Training steps per second of every architecture on a CTR-shaped batch, next to the speed of a large matrix
/// multiply in the same process, so the figure reads as a fraction of what the machine can do.
/// </summary>
public static class ThroughputBenchmark
{
    /// <summary>The suffix of a variant trained with <c>LazyEmbeddingUpdates</c>: the tables' rows in the batch updated alone.</summary>
    public const string Lazy = "lazy";

    /// <summary>
    /// The variants beyond the plain architectures: PLE with the wide part, with each interaction layer, with fm, the
    /// wide part and the shortcut, and so again with each task's own tables (one level, as the default profile builds
    /// it, and two); then the default profile's shape and the task-embedding ones with the tables updated by row.
    /// </summary>
    public static readonly IReadOnlyList<string> Variants =
        ["ple+wide", "ple+fm", "ple+dcn-v2", "ple+fm+wide", "ple+fm+wide+shortcut", "cgc+task-embeddings+fm+wide+shortcut", "ple+task-embeddings+fm+wide+shortcut",
         $"ple+{Lazy}", $"ple+fm+wide+shortcut+{Lazy}", $"cgc+task-embeddings+fm+wide+shortcut+{Lazy}", $"ple+task-embeddings+fm+wide+shortcut+{Lazy}"];

    /// <summary>The embedding tables' learning rate and decay in the benchmark's AdamW (the dense layers': 1e-3, none).</summary>
    public const double TableLearningRate = 0.01, TableDecay = 0.1;

    /// <summary>
    /// The variants measured again at the default profile's own table shape (<see cref="TableShape.Demo"/>): PLE,
    /// the default profile's shape, and each task's own tables with one level and with two.
    /// </summary>
    public static readonly IReadOnlyList<string> DemoShapeVariants =
        ["ple", "ple+fm+wide+shortcut", "cgc+task-embeddings+fm+wide+shortcut", "ple+task-embeddings+fm+wide+shortcut"];

    /// <summary>The variants measured at <see cref="TableShape.Huge"/>: PLE and the default profile's shape, each with and without lazy updates.</summary>
    public static readonly IReadOnlyList<string> HugeShapeVariants = ["ple", $"ple+{Lazy}", "ple+fm+wide+shortcut", $"ple+fm+wide+shortcut+{Lazy}"];

    /// <summary>The benchmark's sizes under a variant name (<see cref="ArchitectureVariants"/>).</summary>
    public static ArchitectureOptions Sizes(string name, int embeddingDim = 16) => ArchitectureVariants.Options(name, new ArchitectureOptions
    {
        EmbeddingDim = embeddingDim, ExpertHidden = [64, 32], TowerHidden = [16],
    }.With("snr-trans", new SnrSettings { SubNetworks = [3, 2], L0Weight = 1e-3 }).With("snr-aver", new SnrSettings { SubNetworks = [3, 2], L0Weight = 1e-3 }));

    /// <summary>GFLOP/s of an n×n float32 matrix multiply on <paramref name="device"/>.</summary>
    public static double MatmulGflops(Device device, int n = 2048, int repeats = 10)
    {
        using var scope = NewDisposeScope();
        var a = randn(n, n, device: device);
        var b = randn(n, n, device: device);
        matmul(a, b).sum().item<float>(); // warm-up
        var clock = Stopwatch.StartNew();
        Tensor c = a;
        for (var i = 0; i < repeats; i++) c = matmul(a, b);
        c.sum().item<float>(); // waits for the device
        return 2.0 * n * n * n * repeats / clock.Elapsed.TotalSeconds / 1e9;
    }

    /// <summary>
    /// The benchmark's tasks: today's two (ctr, cvr given ctr), or a chain of <paramref name="count"/> — ctr, then
    /// t2 given ctr, t3 given t2, … — as a funnel of events trains.
    /// </summary>
    public static TaskSet Tasks(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (count == 2) return TaskSet.Default;
        return new TaskSet([.. Enumerable.Range(1, count).Select(t => new TaskOptions
        {
            Name = t == 1 ? "ctr" : $"t{t}", Label = new TaskLabel { Column = $"label{t}" }, Given = t switch { 1 => null, 2 => "ctr", _ => $"t{t - 1}" },
        })]);
    }

    public static ThroughputResult Measure(string architecture, int batchSize, int steps, double matmulGflops, Device device, TableShape? shape = null, int tasks = 2)
    {
        shape ??= TableShape.Large;
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var network = Network(architecture, device, shape, tasks);
        using var optimizer = Optimizer(network, architecture.Split('+').Contains(Lazy));
        var (indices, values, targets) = Batch(batchSize, device, shape, tasks);
        var taskSet = Tasks(tasks);

        void Step()
        {
            using var step = NewDisposeScope();
            var loss = taskSet.Losses(network.call(indices, values), targets).Aggregate((a, b) => a + b);
            if (network.AuxiliaryLoss() is { } auxiliary) loss = loss + auxiliary;
            optimizer.ZeroGrad();
            loss.backward();
            optimizer.Step();
            loss.item<float>(); // waits for the device
        }

        for (var i = 0; i < 3; i++) Step();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++) Step();
        var samplesPerSecond = (double)batchSize * steps / clock.Elapsed.TotalSeconds;
        var gflops = samplesPerSecond * FlopsPerSample(network) / 1e9;
        return new ThroughputResult(architecture, batchSize, tasks, network.parameters().Sum(p => p.numel()), samplesPerSecond, gflops, gflops / matmulGflops);
    }

    /// <summary>AdamW as training builds it: the embedding tables in a group of their own, updated by row if asked.</summary>
    public static AdamWOptimizer Optimizer(MultiTaskNetwork network, bool byRow)
    {
        ArgumentNullException.ThrowIfNull(network);
        var tables = network.TableParameters().ToHashSet(ReferenceEqualityComparer.Instance);
        return new AdamWOptimizer(
            [new([.. network.parameters().Where(tables.Contains)], TableLearningRate, TableDecay, byRow),
             new([.. network.parameters().Where(p => !tables.Contains(p))], 1e-3, 0)]);
    }

    /// <summary>
    /// A CTR-shaped batch: indices, numeric values, and the targets [batch, tasks] of <see cref="Tasks"/>: clicks (5 %),
    /// and each further event of the funnel on 10 % of the one before (conversions, for today's two).
    /// </summary>
    public static (Tensor Indices, Tensor Values, Tensor Targets) Batch(int batchSize, Device device, TableShape? shape = null, int tasks = 2)
    {
        shape ??= TableShape.Large;
        var indices = stack(shape.Cardinalities.Select(c => randint(c, [batchSize], dtype: int64, device: device)).ToArray(), 1);
        var values = randn(batchSize, 2, device: device);
        var events = new List<Tensor> { bernoulli(full(batchSize, 0.05, device: device)) };
        while (events.Count < tasks) events.Add(events[^1] * bernoulli(full(batchSize, 0.1, device: device)));
        return (indices, values, stack(events, 1));
    }

    public static MultiTaskNetwork Network(string architecture, Device device, TableShape? shape = null, int tasks = 2)
    {
        shape ??= TableShape.Large;
        var network = ArchitectureCatalog.Create(new ArchitectureContext([.. shape.Cardinalities], 2, tasks, Sizes(architecture, shape.EmbeddingDim)));
        network.to(device);
        return network;
    }

    /// <summary>
    /// Dense multiply-adds of one training sample: 2 FLOPs per weight forward, 4 backward, over every linear
    /// layer and SNR transform. Embedding look-ups and element-wise work are left out, so this undercounts.
    /// </summary>
    public static double FlopsPerSample(MultiTaskNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var linear = network.modules().OfType<Linear>().Sum(l => l.weight!.numel());
        var routes = network.named_parameters().Where(p => p.name.EndsWith(".weight", StringComparison.Ordinal) && p.name.Contains("routes", StringComparison.Ordinal)).Sum(p => p.parameter.numel());
        return 6.0 * (linear + routes);
    }
}
