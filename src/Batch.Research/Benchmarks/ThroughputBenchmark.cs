using System.Diagnostics;
using Batch.Core.Options;
using Batch.Modeling.Architectures;
using Batch.Modeling.Training;
using Batch.Modeling.Plugins;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Research.Benchmarks;

/// <summary>Training throughput of one architecture at one batch size.</summary>
public sealed record ThroughputResult(string Architecture, int BatchSize, long Parameters, double SamplesPerSecond, double GflopsPerSecond, double FractionOfMatmul);

/// <summary>
/// Training steps per second of every architecture on a CTR-shaped batch, next to the speed of a large matrix
/// multiply in the same process, so the figure reads as a fraction of what the machine can do.
/// </summary>
public static class ThroughputBenchmark
{
    public const int Tables = 10;
    public const int Cardinality = 10_000;

    /// <summary>
    /// The variants beyond the plain architectures: PLE with the wide part, with each interaction layer, with fm, the
    /// wide part and the shortcut, and so again with each task's own tables (one level, as the default profile builds
    /// it, and two).
    /// </summary>
    public static readonly IReadOnlyList<string> Variants =
        ["ple+wide", "ple+fm", "ple+dcn-v2", "ple+fm+wide", "ple+fm+wide+shortcut", "cgc+task-embeddings+fm+wide+shortcut", "ple+task-embeddings+fm+wide+shortcut"];

    /// <summary>The benchmark's sizes under a variant name (<see cref="ArchitectureVariants"/>).</summary>
    public static ArchitectureOptions Sizes(string name) => ArchitectureVariants.Options(name, new ArchitectureOptions
    {
        EmbeddingDim = 16, ExpertHidden = [64, 32], TowerHidden = [16],
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

    public static ThroughputResult Measure(string architecture, int batchSize, int steps, double matmulGflops, Device device)
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var network = Network(architecture, device);
        using var optimizer = optim.Adam(network.parameters(), 1e-3);
        var (indices, values, clicked, converted) = Batch(batchSize, device);

        void Step()
        {
            using var step = NewDisposeScope();
            var (ctr, ctcvr) = Esmm.Losses(network.call(indices, values), clicked, converted);
            var loss = ctr + ctcvr;
            if (network.AuxiliaryLoss() is { } auxiliary) loss = loss + auxiliary;
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            loss.item<float>(); // waits for the device
        }

        for (var i = 0; i < 3; i++) Step();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++) Step();
        var samplesPerSecond = (double)batchSize * steps / clock.Elapsed.TotalSeconds;
        var gflops = samplesPerSecond * FlopsPerSample(network) / 1e9;
        return new ThroughputResult(architecture, batchSize, network.parameters().Sum(p => p.numel()), samplesPerSecond, gflops, gflops / matmulGflops);
    }

    /// <summary>A CTR-shaped batch: indices, numeric values, clicks (5 %) and conversions (10 % of clicks).</summary>
    public static (Tensor Indices, Tensor Values, Tensor Clicked, Tensor Converted) Batch(int batchSize, Device device)
    {
        var indices = randint(Cardinality, [batchSize, Tables], dtype: int64, device: device);
        var values = randn(batchSize, 2, device: device);
        var clicked = bernoulli(full(batchSize, 0.05, device: device));
        return (indices, values, clicked, clicked * bernoulli(full(batchSize, 0.1, device: device)));
    }

    public static MultiTaskNetwork Network(string architecture, Device device)
    {
        var network = ArchitectureCatalog.Create(new ArchitectureContext(Enumerable.Repeat(Cardinality, Tables).ToArray(), 2, MultiTaskModel.TaskCount, Sizes(architecture)));
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
