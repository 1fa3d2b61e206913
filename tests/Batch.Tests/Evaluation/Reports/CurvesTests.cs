using Batch.Evaluation.Reports;
using Xunit;

namespace Batch.Tests.Evaluation.Reports;

public class CurvesTests
{
    [Fact]
    public void Roc_StepsThroughEachDistinctThreshold_TiesTogether()
    {
        // Scores, highest first: 0.9 (+), 0.7 (−), 0.7 (+), 0.2 (−). Two positives, two negatives.
        // Thresholds: ≥0.9 → TP 1, FP 0; ≥0.7 (the tie moves as one) → TP 2, FP 1; ≥0.2 → TP 2, FP 2.
        var roc = Curves.Roc([0.7f, 0.9f, 0.2f, 0.7f], [false, true, false, true]);
        Assert.Equal([0, 0, 0.5, 1], roc.FalsePositiveRate);
        Assert.Equal([0, 0.5, 1, 1], roc.TruePositiveRate);
    }

    [Fact]
    public void Roc_IsThinnedForPlotting_KeepingBothEnds()
    {
        var random = new Random(1);
        var labels = Enumerable.Range(0, 5000).Select(_ => random.NextDouble() < 0.3).ToArray();
        var scores = labels.Select(l => (float)(random.NextDouble() + (l ? 0.5 : 0))).ToArray();
        var roc = Curves.Roc(scores, labels, maxPoints: 50);
        Assert.InRange(roc.FalsePositiveRate.Length, 2, 50);
        Assert.Equal((0.0, 0.0), (roc.FalsePositiveRate[0], roc.TruePositiveRate[0]));
        Assert.Equal((1.0, 1.0), (roc.FalsePositiveRate[^1], roc.TruePositiveRate[^1]));
    }

    [Fact]
    public void Calibration_BinsByPrediction_InEqualCounts()
    {
        // Sorted by prediction: 0.1 (−), 0.2 (−), 0.3 (+), 0.4 (−), 0.8 (+), 0.9 (+), 0.95 (+). Two bins of 3, the
        // last taking the remainder: mean predictions 0.2 and 0.7625, observed rates 1/3 and 3/4.
        var curve = Curves.Calibration([0.8f, 0.1f, 0.4f, 0.3f, 0.9f, 0.2f, 0.95f], [true, false, false, true, true, false, true], bins: 2);
        Assert.Equal([3, 4], curve.Count);
        Assert.Equal(0.2, curve.MeanPredicted[0], 6);
        Assert.Equal(0.7625, curve.MeanPredicted[1], 6);
        Assert.Equal(1.0 / 3, curve.ObservedRate[0], 6);
        Assert.Equal(0.75, curve.ObservedRate[1], 6);
    }
}
