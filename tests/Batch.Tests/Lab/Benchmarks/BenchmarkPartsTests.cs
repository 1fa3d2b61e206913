using Batch.Core.Options;
using Batch.Modeling.Architectures;
using Batch.Lab.Benchmarks;
using Batch.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Lab.Benchmarks;

/// <summary>The parts of the benchmarks that compute something checkable; the figures themselves are printed, not tested.</summary>
[Collection(TorchGroup.Name)]
public class BenchmarkPartsTests
{
    private static readonly CorrelatedTasksSettings Small = new(InputDim: 20, Scale: 2.0);

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.8)]
    [InlineData(0.5)]
    public void Define_GivesWeightVectorsOfNormCWhoseCosineIsP(double p)
    {
        var tasks = CorrelatedTasksStudy.Define(p, Small, new Random(1));
        var n1 = Math.Sqrt(tasks.W1.Sum(v => v * v));
        var n2 = Math.Sqrt(tasks.W2.Sum(v => v * v));
        Assert.Equal(2.0, n1, 9);
        Assert.Equal(2.0, n2, 9);
        Assert.Equal(p, tasks.W1.Select((v, i) => v * tasks.W2[i]).Sum() / (n1 * n2), 9);
    }

    [Fact]
    public void Sample_GivesNearlyIdenticalLabels_WhenTheTasksAreTheSame()
    {
        using var scope = NewDisposeScope();
        var random = new Random(2);
        var (x, y) = CorrelatedTasksStudy.Define(1.0, Small, random).Sample(2000, random);
        Assert.Equal([2000L, 20L], x.shape);
        Assert.True(corrcoef(y.t())[0, 1].item<float>() > 0.99);
        var (_, unrelated) = CorrelatedTasksStudy.Define(0.0, Small, random).Sample(2000, random);
        Assert.True(Math.Abs(corrcoef(unrelated.t())[0, 1].item<float>()) < 0.5);
    }

    [Fact]
    public void MatchedSizes_StayWithinThreePercentOfTheMmoeBudget()
    {
        var sizes = CorrelatedTasksStudy.MatchedSizes(new CorrelatedTasksSettings());
        var counts = sizes.ToDictionary(s => s.Name, s => ParameterMatching.Count(new ArchitectureContext([], 100, 2, s.Options)));
        var budget = counts["mmoe"];
        Assert.All(counts, c => Assert.InRange(c.Value, budget * 0.97, budget * 1.03));
    }

    [Fact]
    public void FlopsPerSample_CountsSixFlopsPerDenseWeight()
    {
        // Shared-bottom on 2 embeddings of 4 and 1 number: bottom 9→8→6, towers 6→4→1 for two tasks.
        using var network = ArchitectureCatalog.Create(new ArchitectureContext([3, 2], 1, 2, new ArchitectureOptions
        {
            Name = "shared-bottom", EmbeddingDim = 4, ExpertHidden = [8, 6], TowerHidden = [4], Wide = false, Shortcut = false, Interaction = "none",
        }));
        var weights = 9 * 8 + 8 * 6 + 2 * (6 * 4 + 4 * 1);
        Assert.Equal(6.0 * weights, ThroughputBenchmark.FlopsPerSample(network));
    }

    [Fact]
    public void ABatchOfThreeTasks_IsAFunnel_AndItsTasksAChain()
    {
        var tasks = ThroughputBenchmark.Tasks(3);
        Assert.Equal(["ctr", "t2", "t3", "ctr_t2", "ctr_t2_t3"], tasks.Outputs);
        Assert.Same(Batch.Modeling.Training.TaskSet.Default, ThroughputBenchmark.Tasks(2));
        using var scope = NewDisposeScope();
        var (_, _, targets) = ThroughputBenchmark.Batch(20000, CPU, TableShape.Demo, tasks: 3);
        Assert.Equal([20000L, 3L], targets.shape);
        // Every event is one of the event before's: t3 ⊆ t2 ⊆ click, at about 5 %, 0.5 % and 0.05 %.
        Assert.Equal(0, (targets[.., 1] > targets[.., 0]).sum().item<long>());
        Assert.Equal(0, (targets[.., 2] > targets[.., 1]).sum().item<long>());
        Assert.InRange(targets[.., 0].mean().item<float>(), 0.04, 0.06);
        Assert.InRange(targets[.., 1].mean().item<float>(), 0.002, 0.008);
    }

    [Fact]
    public void TheDemoShape_HasTheDefaultProfilesTables_AndItsBatchesStayInsideThem()
    {
        // The default profile's 7 categorical columns and 1 cross, each table its values plus the unknown row.
        Assert.Equal([3001, 601, 5, 9, 4, 25, 11, 33], TableShape.Demo.Cardinalities);
        using var scope = NewDisposeScope();
        var (indices, _, _) = ThroughputBenchmark.Batch(4096, CPU, TableShape.Demo);
        Assert.Equal([4096L, 8L], indices.shape);
        for (var j = 0; j < 8; j++)
        {
            Assert.True(indices[.., j].min().item<long>() >= 0);
            Assert.True(indices[.., j].max().item<long>() < TableShape.Demo.Cardinalities[j]);
        }
    }

    [Fact]
    public void TheBenchmarksOptimizer_PutsTheTablesInAGroupOfTheirOwn_UpdatedByRowOnlyForLazyRows()
    {
        using var network = ThroughputBenchmark.Network("ple+fm", CPU, TableShape.Demo);
        var table = network.named_parameters().First(p => p.name.Contains("embeddings", StringComparison.Ordinal)).parameter;
        foreach (var lazy in new[] { false, true })
        {
            using var optimizer = ThroughputBenchmark.Optimizer(network, lazy);
            using var before = table.detach().clone();
            var grad = zeros_like(table);
            grad[1] = ones(table.shape[1]);
            table.grad = grad;
            optimizer.Step();
            // Row 0 has no gradient: the full update decays it, the update by row leaves it until settled.
            var untouched = table[0].eq(before[0]).all().item<bool>();
            Assert.Equal(lazy, untouched);
            // Row 1 is decayed, then moved by the tables' rate against its gradient (Adam's first step is ±1 a weight).
            using var moved = table[1] - before[1] * (1 - ThroughputBenchmark.TableLearningRate * ThroughputBenchmark.TableDecay);
            Assert.Equal(-ThroughputBenchmark.TableLearningRate, moved.max().item<float>(), 5);
            Assert.Equal(-ThroughputBenchmark.TableLearningRate, moved.min().item<float>(), 5);
        }
    }
}
