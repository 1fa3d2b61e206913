using Batch.Core.Options;
using Xunit;

namespace Batch.Tests.Core.Options;

/// <summary>Training:MinStepsPerEpoch — the batch halved on a small window, the decays with it.</summary>
public class MinStepsPerEpochTests
{
    private static TrainingOptions Options(int minSteps) =>
        new() { BatchSize = 1024, WeightDecay = 0.01, EmbeddingWeightDecay = 0.1, MinStepsPerEpoch = minSteps, Seed = 3, Epochs = 2, LearningRate = 0.003, EmbeddingLearningRate = null, StartAtBaseRates = false, Patience = 2, ValidationDays = 0 };

    [Fact]
    public void OnTheDemosWindow_TheBatchHalvesTwice_AndTheDecaysWithIt()
    {
        // 180 000 rows: 176 steps at 1024, 352 at 512, 704 at 256 — the first at least 500.
        var options = Options(500).ForRows(180_000);

        Assert.Equal(256, options.BatchSize);
        Assert.Equal(0.01 / 4, options.WeightDecay, 12);
        Assert.Equal(0.1 / 4, options.EmbeddingWeightDecay, 12);
        Assert.Equal(3, options.Seed);
    }

    [Theory]
    [InlineData(1_800_000, 500)] // 1758 steps already
    [InlineData(512_000, 500)] // exactly 500
    [InlineData(180_000, 0)] // off
    public void WhereAnEpochHasTheSteps_NothingChanges(long rows, int minSteps)
    {
        var options = Options(minSteps);
        Assert.Same(options, options.ForRows(rows));
    }

    [Fact]
    public void ATinyFrame_StopsAtOneRowABatch()
    {
        var options = Options(500).ForRows(100);

        Assert.Equal(1, options.BatchSize);
        Assert.Equal(0.1 / 1024, options.EmbeddingWeightDecay, 12);
        Assert.Contains(Options(-1).Problems(), p => p.Contains("MinStepsPerEpoch must not be negative", StringComparison.Ordinal));
    }
}
