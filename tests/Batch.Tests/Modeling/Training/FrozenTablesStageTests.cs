using Batch.Core.Options;
using Batch.Modeling.Training;
using Batch.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling.Training;

/// <summary>Training:FrozenTablesEpochs — after training, more epochs of everything but the embedding tables.</summary>
[Collection(TorchGroup.Name)]
public class FrozenTablesStageTests
{
    [Fact]
    public void TheStage_MovesTheDenseWeightsOnly_AndNumbersItsEpochsOn()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(256);
        TrainingOptions Options(int frozenEpochs) => new() { Epochs = 1, BatchSize = 64, LearningRate = 0.01, Seed = 5, FrozenTablesEpochs = frozenEpochs };
        using var once = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("ple+fm+wide+shortcut"), CPU, seed: 9);
        using var staged = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("ple+fm+wide+shortcut"), CPU, seed: 9);

        Trainer.Train(once, encoders.Encode(frame), Options(0), CancellationToken.None);
        var history = Trainer.Train(staged, encoders.Encode(frame), Options(2), CancellationToken.None);

        Assert.Equal([1, 2, 3], history.Select(e => e.Epoch));
        var after = staged.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var tables = 0;
        foreach (var (name, weights) in once.Network.named_parameters())
        {
            var moved = (after[name] - weights).abs().max().item<float>();
            if (name.StartsWith("deep.input.embeddings.", StringComparison.Ordinal) || name.StartsWith("wide.tables.", StringComparison.Ordinal))
            {
                Assert.True(moved == 0, $"{name} moved by {moved} in the frozen stage");
                tables++;
            }
            else if (name.Contains(".shared.", StringComparison.Ordinal) || name.StartsWith("deep.towers.towers.0.", StringComparison.Ordinal) || name.StartsWith("deep.towers.heads.0.", StringComparison.Ordinal))
            {
                Assert.True(moved > 0, $"{name} did not move in the frozen stage");
            }
        }
        Assert.Equal(4, tables); // two fields, each with a deep and a wide table
        Assert.Contains(new TrainingOptions { FrozenTablesEpochs = -1 }.Problems(), p => p.Contains("FrozenTablesEpochs must not be negative", StringComparison.Ordinal));
    }

    [Fact]
    public void WithValidation_TheWeightsTheStageStartsFrom_CompeteAsItsEpochZero()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(256);
        var (fit, check) = (encoders.Encode(frame), encoders.Encode(ModelingFixtures.Frame(128, seed: 4)));
        var options = new TrainingOptions { Epochs = 2, BatchSize = 64, LearningRate = 0.01, Seed = 5, FrozenTablesEpochs = 2, Patience = 2 };
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("ple+fm+wide+shortcut"), CPU, seed: 9);
        var history = Trainer.Train(model, fit, options, CancellationToken.None, validation: check);

        // The kept epoch is the best of both stages, whichever stage it is in, and the model holds its weights.
        var kept = Assert.Single(history, e => e.Kept);
        var best = history.MinBy(e => e.ValidationCtr!.Value + e.ValidationCtcvr!.Value)!;
        Assert.Equal(best.Epoch, kept.Epoch);
        var (ctr, ctcvr) = Trainer.Validate(model, check);
        Assert.Equal(best.ValidationCtr!.Value + best.ValidationCtcvr!.Value, ctr + ctcvr, 5);
    }
}
