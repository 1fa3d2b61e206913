using Batch.Core.Options;
using Batch.Modeling.Training;
using Batch.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling.Training;

/// <summary>Training:InversePropensityCvrWeight — ESCM²-IPS's conversion loss on the clicks, weighted by 1 / pCTR.</summary>
[Collection(TorchGroup.Name)]
public class InversePropensityCvrLossTests
{
    [Fact]
    public void TheLoss_WeighsEachClickedImpressionByOneOverItsFlooredPctr_AndLeavesPctrAlone()
    {
        using var scope = NewDisposeScope();
        // Row 1: pCTR 0.5, pCVR 0.5, clicked and converted: BCE ln 2, weight 1 / 0.5.
        // Row 2: pCTR σ(−5) ≈ 0.0067, floored to 0.02; pCVR 0.75, clicked, not converted: BCE ln 4, weight 1 / 0.02.
        // Row 3: not clicked: nothing, whatever its pCVR.
        var logits = tensor(new float[] { 0, 0, -5, MathF.Log(3), 1, 2 }, [3, 2]).requires_grad_(true);
        var loss = Esmm.InversePropensityCvrLoss(logits, tensor(new float[] { 1, 1, 0 }), tensor(new float[] { 1, 0, 0 }));

        Assert.Equal((2 * Math.Log(2) + 50 * Math.Log(4)) / 3, loss.item<float>(), 4); // = 34 ln 2
        loss.backward();
        var gradient = logits.grad!.data<float>().ToArray();
        Assert.Equal([0f, 0f, 0f], [gradient[0], gradient[2], gradient[4]]); // no gradient into pCTR
        Assert.Equal((0.5 - 1) / 0.5 / 3, gradient[1], 5);                      // (σ(0) − 1) / 0.5 / 3
        Assert.Equal(0.75 / 0.02 / 3, gradient[3], 3);                           // (0.75 − 0) / 0.02 / 3
        Assert.Equal(0f, gradient[5]);
    }

    [Theory]
    [InlineData(0.5, 2)] // both clicks' pCTR (0.5 and 0.0067) floored to 0.5: (2 ln 2 + 2 ln 4) / 3 = 2 ln 2
    [InlineData(1, 1)]   // every click weighs 1: (ln 2 + ln 4) / 3 = ln 2
    public void AHigherFloor_CapsTheWeights(double floor, double lnTwos)
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 0, 0, -5, MathF.Log(3), 1, 2 }, [3, 2]);
        var loss = Esmm.InversePropensityCvrLoss(logits, tensor(new float[] { 1, 1, 0 }), tensor(new float[] { 1, 0, 0 }), floor);
        Assert.Equal(lnTwos * Math.Log(2), loss.item<float>(), 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => Esmm.InversePropensityCvrLoss(logits, tensor(new float[] { 1, 1, 0 }), tensor(new float[] { 1, 0, 0 }), 0));
        foreach (var bad in new[] { 0, 1.5, double.NaN })
            Assert.Contains(new TrainingOptions { InversePropensityFloor = bad }.Problems(), p => p.Contains("InversePropensityFloor must be above 0 and at most 1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(InversePropensityReach.Everything)]
    [InlineData(InversePropensityReach.AboveTables)]
    [InlineData(InversePropensityReach.ConversionTask)]
    public void Training_RecordsTheEsmmLossesAlone_AndTheWeightChangesWhatIsLearned(InversePropensityReach reach)
    {
        var (frame, encoders) = ModelingFixtures.Fitted(256);
        TrainingOptions Options(double weight) => new()
        {
            Epochs = 3, BatchSize = 64, LearningRate = 0.01, Seed = 5, InversePropensityCvrWeight = weight, InversePropensityCvrReaches = reach,
        };
        using var plain = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("ple+fm+wide+shortcut"), CPU, seed: 9);
        using var weighted = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("ple+fm+wide+shortcut"), CPU, seed: 9);
        var (ctrBefore, ctcvrBefore) = Trainer.Validate(weighted, encoders.Encode(frame));
        var start = Scorer.Predict(weighted, encoders.Encode(frame));
        var ipsBefore = Enumerable.Range(0, frame.Count).Where(i => frame.Clicked[i])
            .Sum(i => -Math.Log(frame.Converted[i] ? start.Cvr[i] : 1 - start.Cvr[i]) / Math.Max(start.Ctr[i], Esmm.PropensityFloor)) / frame.Count;

        Trainer.Train(plain, encoders.Encode(frame), Options(0), CancellationToken.None);
        var history = Trainer.Train(weighted, encoders.Encode(frame), Options(1), CancellationToken.None);

        // Were the weighted term in the history, the first epoch's CTCVR loss would be about the two together.
        Assert.True(ipsBefore > ctcvrBefore, $"IPS {ipsBefore}, CTCVR {ctcvrBefore}");
        Assert.InRange(history[0].Ctcvr, 0, ctcvrBefore + ipsBefore / 2);
        Assert.InRange(history[0].Ctr, 0, ctrBefore * 1.2);
        var a = Scorer.Predict(plain, encoders.Encode(frame)).Cvr;
        var b = Scorer.Predict(weighted, encoders.Encode(frame)).Cvr;
        Assert.True(a.Zip(b, (x, y) => Math.Abs(x - y)).Max() > 0.01, "the weight changed no pCVR");
        Assert.Contains(new TrainingOptions { InversePropensityCvrWeight = -0.1 }.Problems(), p => p.Contains("InversePropensityCvrWeight", StringComparison.Ordinal));
    }
}
