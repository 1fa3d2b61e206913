using System.Diagnostics;
using Batch.Core.Options;
using Batch.Modeling.Architectures;
using Batch.Modeling.Balancers;
using Batch.Modeling.Plugins;
using Batch.Modeling.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Lab.Benchmarks;

/// <summary>Milliseconds per training step of one strategy, and its ratio to Fixed on the same model and batch.</summary>
public sealed record BalancerCost(string Balancer, double MillisecondsPerStep, double RatioToFixed);

/// <summary>
/// The per-step cost of each loss balancer relative to Fixed weights, measured in one process: every strategy
/// gets its own copy of the same model, and they are timed in interleaved rounds so that drift in the machine's
/// speed hits them all alike; each figure is the median over the rounds.
/// </summary>
public static class BalancerCostBenchmark
{
    /// <param name="tasks">the number of tasks (<see cref="ThroughputBenchmark.Tasks"/>)</param>
    public static IReadOnlyList<BalancerCost> Run(string architecture, int batchSize, int steps, Device device, int rounds = 5, int tasks = 2)
    {
        using var scope = NewDisposeScope();
        var (indices, values, targets) = ThroughputBenchmark.Batch(batchSize, device, tasks: tasks);
        var setups = Registries.Balancers.Names.Select(name => new Setup(architecture, name, device, ThroughputBenchmark.Tasks(tasks))).ToList();
        try
        {
            foreach (var setup in setups) setup.Steps(3, indices, values, targets); // warm-up
            var times = setups.ToDictionary(s => s.Name, _ => new List<double>(), StringComparer.Ordinal);
            for (var round = 0; round < rounds; round++)
            {
                foreach (var setup in setups.Skip(round % setups.Count).Concat(setups.Take(round % setups.Count)))
                    times[setup.Name].Add(setup.Steps(steps, indices, values, targets) / steps);
            }
            var medians = times.ToDictionary(t => t.Key, t => t.Value.Order().ElementAt(t.Value.Count / 2), StringComparer.Ordinal);
            return Registries.Balancers.Names.Select(n => new BalancerCost(n, medians[n], medians[n] / medians[FixedPlugin.Id])).ToList();
        }
        finally
        {
            foreach (var setup in setups) setup.Dispose();
        }
    }

    private sealed class Setup : IDisposable
    {
        private readonly MultiTaskNetwork _network;
        private readonly ILossBalancer _balancer;
        private readonly optim.Optimizer _optimizer;
        private readonly BalancerContext _context;
        private readonly TaskSet _tasks;

        public Setup(string architecture, string balancer, Device device, TaskSet tasks)
        {
            Name = balancer;
            _tasks = tasks;
            manual_seed(1);
            _network = ThroughputBenchmark.Network(architecture, device, tasks: tasks.Count);
            var bounds = new PeLtrSettings { LowerBounds = [.. Enumerable.Repeat(0.1 * 2 / tasks.Count, tasks.Count)] };
            _balancer = BalancerCatalog.Create(new BalancerOptions { Name = balancer }.With(PeLtrPlugin.Id, bounds), tasks.Count, device);
            _optimizer = optim.Adam(_network.parameters().Concat(_balancer.Parameters), 1e-3);
            _context = BalancerContext.Of(_network);
        }

        public string Name { get; }

        /// <returns>milliseconds for <paramref name="count"/> training steps</returns>
        public double Steps(int count, Tensor indices, Tensor values, Tensor targets)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                using var step = NewDisposeScope();
                var losses = _tasks.Losses(_network.call(indices, values), targets);
                _optimizer.zero_grad();
                _balancer.Backward(losses, _context);
                _network.AuxiliaryLoss()?.backward();
                _optimizer.step();
                losses[0].item<float>(); // waits for the device
            }
            return clock.Elapsed.TotalMilliseconds;
        }

        public void Dispose()
        {
            _optimizer.Dispose();
            _balancer.Dispose();
            _network.Dispose();
        }
    }
}
