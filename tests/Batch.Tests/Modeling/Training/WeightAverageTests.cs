using Batch.Core.Options;
using Batch.Modeling.Training;
using Batch.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling.Training;

/// <summary>Training:WeightAverageDecay — the model validated, kept and saved with the moving average of its weights.</summary>
[Collection(TorchGroup.Name)]
public class WeightAverageTests
{
    [Fact]
    public void TheAverage_FollowsTheWarmedUpDecay_AndIsAppliedOnlyWhileHeld()
    {
        using var layer = nn.Linear(1, 1, hasBias: false);
        void Set(float value)
        {
            using var _ = no_grad();
            layer.weight!.fill_(value);
        }
        float Weight() => layer.weight!.item<float>();

        Set(0);
        using var average = new WeightAverage(layer, decay: 0.2);
        Set(1);
        Assert.Equal(2.0 / 11, average.NextDecay, 12); // min(0.2, (1 + 1) / (10 + 1))
        average.Update(); // 2/11 · 0 + 9/11 · 1
        Set(3);
        Assert.Equal(0.2, average.NextDecay, 12); // min(0.2, 3 / 12): the cap
        average.Update(); // 0.2 · 9/11 + 0.8 · 3
        const double expected = 0.2 * 9 / 11 + 0.8 * 3;

        using (average.Applied()) Assert.Equal(expected, Weight(), 5);
        Assert.Equal(3, Weight());
        average.Apply();
        Assert.Equal(expected, Weight(), 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => new WeightAverage(layer, decay: 1));
    }

    [Fact]
    public void WithoutValidation_TheTrainedModel_HoldsTheAverageOfItsSteps()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(256);
        var options = new TrainingOptions { Epochs = 2, BatchSize = 64, LearningRate = 0.01, Seed = 5, WeightAverageDecay = 0.5 };
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("ple+fm+wide+shortcut"), CPU, seed: 9);
        var names = model.Network.named_parameters().Select(p => p.name).ToArray();
        // The callback runs inside the step's dispose scope: what it keeps must leave it.
        Dictionary<string, Tensor> Snapshot() => model.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone().DetachFromDisposeScope());

        // The average by hand, from the weights after every step.
        var expected = Snapshot();
        Dictionary<string, Tensor>? last = null;
        var step = 0;
        Trainer.Train(model, encoders.Encode(frame), options, CancellationToken.None, onBatch: _ =>
        {
            step++;
            var decay = Math.Min(0.5, (1.0 + step) / (10.0 + step));
            last = Snapshot();
            foreach (var name in names) expected[name] = (decay * expected[name] + (1 - decay) * last[name]).DetachFromDisposeScope();
        });

        Assert.Equal(8, step);
        var moved = 0f;
        foreach (var (name, weights) in model.Network.named_parameters())
        {
            Assert.True(allclose(weights, expected[name], rtol: 1e-5, atol: 1e-6), $"{name} is not the average of the steps' weights");
            moved = Math.Max(moved, (weights - last![name]).abs().max().item<float>());
        }
        Assert.True(moved > 1e-4, "the model holds its last step's weights, not their average");
    }

    [Fact]
    public void WithValidation_TheKeptEpochIsValidatedAndKeptWithTheAverage()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(256);
        var (fit, check) = (encoders.Encode(frame), encoders.Encode(ModelingFixtures.Frame(128, seed: 4)));
        TrainingOptions Options(double decay) => new() { Epochs = 3, BatchSize = 64, LearningRate = 0.01, Seed = 5, Patience = 3, WeightAverageDecay = decay };
        using var averaged = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("ple+fm+wide+shortcut"), CPU, seed: 9);
        using var plain = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("ple+fm+wide+shortcut"), CPU, seed: 9);

        var history = Trainer.Train(averaged, fit, Options(0.9), CancellationToken.None, validation: check);
        var plainHistory = Trainer.Train(plain, fit, Options(0), CancellationToken.None, validation: check);

        // The same steps (averaging does not change training), validated through the average: other losses.
        Assert.Equal(plainHistory.Select(e => e.Ctr), history.Select(e => e.Ctr));
        Assert.NotEqual(plainHistory.Select(e => e.ValidationCtr), history.Select(e => e.ValidationCtr));
        var kept = Assert.Single(history, e => e.Kept);
        Assert.Equal(history.MinBy(e => e.ValidationCtr!.Value + e.ValidationCtcvr!.Value)!.Epoch, kept.Epoch);
        var (ctr, ctcvr) = Trainer.Validate(averaged, check);
        Assert.Equal(kept.ValidationCtr!.Value + kept.ValidationCtcvr!.Value, ctr + ctcvr, 5);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void ADecayOutsideZeroToOne_IsRefused(double decay) =>
        Assert.Contains(new TrainingOptions { WeightAverageDecay = decay }.Problems(), p => p.Contains("WeightAverageDecay must lie within [0, 1)", StringComparison.Ordinal));
}
