using Batch.Core.Options;
using Batch.Modeling.Training;
using Batch.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling.Training;

/// <summary>Training:StartAtBaseRates — each task's logit starts at the training frame's base rate instead of at 0.</summary>
[Collection(TorchGroup.Name)]
public class BaseRateStartTests
{
    [Fact]
    public void TheLogisticModel_StartsPredictingTheClickRate_AndTheConversionRateAmongClicks()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(300);
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("logistic"), CPU, seed: 9);
        var clicks = frame.Clicked.Count(c => c);
        var conversions = frame.Converted.Count(c => c);

        var shifts = Trainer.StartAtBaseRates(model, encoders.Encode(frame));

        // Every weight of the wide part starts at zero, so its logit is the bias alone: the log-odds of each rate.
        Assert.Equal(Math.Log(clicks / (300.0 - clicks)), shifts[0], 12);
        Assert.Equal(Math.Log(conversions / (double)(clicks - conversions)), shifts[1], 12);
        var scores = Scorer.Predict(model, encoders.Encode(frame));
        Assert.All(scores["ctr"], p => Assert.Equal(clicks / 300.0, p, 6));
        Assert.All(scores["cvr"], p => Assert.Equal(conversions / (double)clicks, p, 6));
        Assert.All(scores["ctcvr"], p => Assert.Equal(conversions / 300.0, p, 6));
    }

    [Theory]
    [MemberData(nameof(ModelingFixtures.AllArchitectures), MemberType = typeof(ModelingFixtures))]
    public void EveryArchitecture_MovesEveryLogitByItsTasksShift_ThroughOneBiasPerTask(string architecture)
    {
        var (frame, encoders) = ModelingFixtures.Fitted(300);
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture(architecture), CPU, seed: 9);
        var before = model.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        var scoresBefore = Scorer.Predict(model, encoders.Encode(frame));

        var shifts = Trainer.StartAtBaseRates(model, encoders.Encode(frame));

        var moved = model.Network.named_parameters().Where(p => !allclose(p.parameter.detach(), before[p.name], rtol: 0, atol: 0)).Select(p => p.name).ToList();
        Assert.Equal(2, moved.Count);
        var scoresAfter = Scorer.Predict(model, encoders.Encode(frame));
        static double Logit(float p) => Math.Log(p / (1.0 - p));
        for (var i = 0; i < frame.Count; i++)
        {
            Assert.Equal(shifts[0], Logit(scoresAfter["ctr"][i]) - Logit(scoresBefore["ctr"][i]), 3);
            Assert.Equal(shifts[1], Logit(scoresAfter["cvr"][i]) - Logit(scoresBefore["cvr"][i]), 3);
        }
    }

    [Theory]
    [InlineData("ple+fm+wide+shortcut", "wide.numeric.{0}.bias")]
    [InlineData("ple", "towers.heads.{0}.bias")]
    [InlineData("single-task+fm+wide+shortcut", "wide.numeric.{0}.bias")]
    public void TheShift_GoesToTheWidePartsBias_ElseTheTaskHeads(string architecture, string bias)
    {
        var (frame, encoders) = ModelingFixtures.Fitted(300);
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture(architecture), CPU, seed: 9);
        var before = model.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

        var shifts = Trainer.StartAtBaseRates(model, encoders.Encode(frame));

        for (var t = 0; t < 2; t++)
        {
            var name = string.Format(System.Globalization.CultureInfo.InvariantCulture, bias, t);
            var (full, parameter) = model.Network.named_parameters().Single(p => p.name.EndsWith(name, StringComparison.Ordinal));
            Assert.Equal(shifts[t], (parameter.detach() - before[full]).item<float>(), 5);
        }
    }

    [Fact]
    public void AFrameWithoutClicks_IsRefusedWithWhatItHas()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(300);
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("ple"), CPU, seed: 9);
        Array.Fill(frame.Clicked, false);
        Array.Fill(frame.Converted, false);

        var error = Assert.Throws<ArgumentException>(() =>
            Trainer.Train(model, encoders.Encode(frame), new TrainingOptions { Epochs = 1, BatchSize = 64, LearningRate = 0.01, StartAtBaseRates = true, MinStepsPerEpoch = 0, EmbeddingLearningRate = null, EmbeddingWeightDecay = 0, Patience = 2, ValidationDays = 0 }, CancellationToken.None));
        Assert.Contains("task 'ctr' has 0 events among 300 impressions", error.Message, StringComparison.Ordinal);
    }
}
