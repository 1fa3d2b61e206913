using Batch.Core.Options;
using Batch.Modeling.Architectures;
using Batch.Research.Benchmarks;
using Batch.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Research.Benchmarks;

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
            Name = "shared-bottom", EmbeddingDim = 4, ExpertHidden = [8, 6], TowerHidden = [4],
        }));
        var weights = 9 * 8 + 8 * 6 + 2 * (6 * 4 + 4 * 1);
        Assert.Equal(6.0 * weights, ThroughputBenchmark.FlopsPerSample(network));
    }
}
