using Batch.Evaluation;
using Xunit;

namespace Batch.Tests.Evaluation;

public class MetricsTests
{
    [Fact]
    public void Auc_EqualsFractionOfCorrectlyOrderedPairs()
    {
        // Positives 0.35 and 0.8 against negatives 0.1 and 0.4: (0.35>0.1), (0.35<0.4), (0.8>0.1), (0.8>0.4) → 3 of 4.
        var auc = Metrics.Auc([0.1f, 0.4f, 0.35f, 0.8f], [false, false, true, true]);
        Assert.Equal(0.75, auc, 12);
    }

    [Fact]
    public void Auc_CountsATieBetweenClassesAsOneHalf()
    {
        // Positives {0.5, 0.9}, negatives {0.2, 0.5}: 1 + 0.5 + 1 + 1 = 3.5 of 4.
        Assert.Equal(0.875, Metrics.Auc([0.2f, 0.5f, 0.5f, 0.9f], [false, true, false, true]), 12);
        Assert.Equal(0.5, Metrics.Auc([0.3f, 0.3f], [true, false]), 12);
    }

    [Fact]
    public void Auc_IsZero_WhenEveryNegativeOutranksEveryPositive()
    {
        Assert.Equal(0.0, Metrics.Auc([0.9f, 0.8f, 0.1f], [false, false, true]), 12);
    }

    [Fact]
    public void Auc_Throws_WhenOnlyOneClassIsPresent()
    {
        var e = Assert.Throws<ArgumentException>(() => Metrics.Auc([0.1f, 0.2f], [true, true]));
        Assert.Contains("both classes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LogLoss_MatchesHandComputedValue()
    {
        // −(ln 0.9 + ln 0.8) / 2
        var expected = -(Math.Log(0.9) + Math.Log(0.8)) / 2;
        Assert.Equal(expected, Metrics.LogLoss([0.9f, 0.2f], [true, false]), 6);
        Assert.Equal(0.1642520, expected, 6);
    }

    [Fact]
    public void LogLoss_ClipsCertainWrongPredictions()
    {
        Assert.Equal(-Math.Log(1e-7), Metrics.LogLoss([0f], [true]), 6);
    }

    [Fact]
    public void Auc_Throws_WhenLengthsDiffer()
    {
        Assert.Throws<ArgumentException>(() => Metrics.Auc([0.1f], [true, false]));
    }
}
