using Batch.Core.Options;
using Batch.Modeling.Architectures;
using Batch.Modeling.Training;
using Batch.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling;

/// <summary>Training:WideFirstEpochs — the wide part alone first, then the whole model, never worse on validation than the first stage.</summary>
[Collection(TorchGroup.Name)]
public class WideFirstTests
{
    [Fact]
    public void TheFirstStage_IsTheLogisticModel_AndLeavesTheDeepPartAsItWas()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(200);
        var data = encoders.Encode(frame);
        var options = new TrainingOptions { Epochs = 1, WideFirstEpochs = 3, BatchSize = 32, LearningRate = 0.05, Seed = 5 };
        using var both = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("ple+wide"), CPU, seed: 9);
        var network = (WideAndDeep)both.Network;
        var before = network.state_dict().Where(kv => kv.Key.StartsWith("deep.", StringComparison.Ordinal) && !kv.Key.Contains(".heads.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value.clone());

        var history = WideFirst.TrainWideOnly(both, data, options, null, null, CancellationToken.None);

        Assert.Equal(3, history.Count);
        foreach (var (name, value) in network.state_dict())
        {
            if (before.TryGetValue(name, out var was)) Assert.True(was.equal(value).all().item<bool>(), $"{name} moved");
            else if (name.Contains(".heads.", StringComparison.Ordinal)) Assert.Equal(0f, value.abs().max().item<float>());
        }
        Assert.True(network.DeepParameters().All(p => p.requires_grad), "the deep part is trainable again");

        // The same steps on the logistic model: the same scores.
        using var logistic = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("logistic"), CPU, seed: 9);
        Trainer.Train(logistic, data, new TrainingOptions { Epochs = 3, BatchSize = 32, LearningRate = 0.05, Seed = 5 }, CancellationToken.None);
        var expected = Scorer.Predict(logistic, data);
        var got = Scorer.Predict(both, data);
        for (var i = 0; i < data.Rows; i++)
        {
            Assert.Equal(expected.Ctr[i], got.Ctr[i], 5);
            Assert.Equal(expected.Ctcvr[i], got.Ctcvr[i], 5);
        }
    }

    [Fact]
    public void BothStages_EndOnTheBestValidationLoss_TheWideOnlyWeightsIncluded()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(96);
        var validation = encoders.Encode(ModelingFixtures.Frame(400, seed: 8));
        var options = new TrainingOptions { Epochs = 20, WideFirstEpochs = 20, BatchSize = 16, LearningRate = 0.05, Seed = 5, Patience = 2 };
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("mmoe+wide"), CPU, seed: 5);

        var history = Trainer.Train(model, encoders.Encode(frame), options, CancellationToken.None, validation: validation);

        Assert.Equal(Enumerable.Range(1, history.Count), history.Select(e => e.Epoch));
        var kept = Assert.Single(history, e => e.Kept);
        var losses = history.Select(e => e.ValidationCtr!.Value + e.ValidationCtcvr!.Value).ToList();
        Assert.Equal(losses.Min(), kept.ValidationCtr!.Value + kept.ValidationCtcvr!.Value);
        var (ctr, ctcvr) = Trainer.Validate(model, validation);
        Assert.Equal(losses.Min(), ctr + ctcvr, 5);
    }

    [Theory]
    [InlineData(1e-12, false)]
    [InlineData(null, true)]
    public void TheSecondStage_TrainsTheDeepPartAtItsOwnLearningRate(double? secondStage, bool deepMoves)
    {
        var (frame, encoders) = ModelingFixtures.Fitted(96);
        var options = new TrainingOptions { Epochs = 2, WideFirstEpochs = 1, BatchSize = 16, LearningRate = 0.05, Seed = 5, SecondStageLearningRate = secondStage };
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("mmoe+wide"), CPU, seed: 5);
        var both = Assert.IsType<WideAndDeep>(model.Network);
        both.SilenceDeep();
        var before = both.DeepParameters().Select(p => p.detach().clone()).ToList();

        Trainer.Train(model, encoders.Encode(frame), options, CancellationToken.None);

        var moved = both.DeepParameters().Zip(before, (p, b) => (p - b).abs().max().item<float>()).Max();
        if (deepMoves) Assert.True(moved > 1e-3, $"the deep part moved {moved}");
        else Assert.True(moved < 1e-8, $"the deep part moved {moved}");
    }

    [Fact]
    public void WithoutTheWidePart_ItIsRefused()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(16);
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("ple"), CPU, seed: 1);
        var e = Assert.Throws<ArgumentException>(() =>
            Trainer.Train(model, encoders.Encode(frame), new TrainingOptions { WideFirstEpochs = 1 }, CancellationToken.None));
        Assert.Contains("Architecture:Wide", e.Message, StringComparison.Ordinal);
    }
}
