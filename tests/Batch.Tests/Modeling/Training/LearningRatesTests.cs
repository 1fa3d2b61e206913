using Batch.Core.Options;
using Batch.Modeling.Training;
using Batch.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling.Training;

/// <summary>Training:EmbeddingLearningRate — the field embedding tables step at their own rate, the rest at LearningRate.</summary>
[Collection(TorchGroup.Name)]
public class LearningRatesTests
{
    [Fact]
    public void OneStep_MovesEachGroupByItsOwnRate()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(200);
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("ple+fm+wide+shortcut"), CPU, seed: 9);
        var before = model.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

        // One batch: one AdamW step, which moves every weight with a gradient by its learning rate
        // (Adam's first step is m̂ / √v̂ = ±1 per weight), no decay.
        Trainer.Train(model, encoders.Encode(frame), new TrainingOptions
        {
            Epochs = 1, BatchSize = 200, MinStepsPerEpoch = 0, LearningRate = 0.001, EmbeddingLearningRate = 0.01, EmbeddingWeightDecay = 0, StartAtBaseRates = false, Seed = 5,
        }, CancellationToken.None);

        double LargestStep(string name) => (model.Network.named_parameters().Single(p => p.name == name).parameter - before[name]).abs().max().item<float>();
        Assert.Equal(0.001, LargestStep("wide.numeric.0.weight"), 5);
        Assert.Equal(0.001, LargestStep("wide.tables.1.weight"), 5);
        Assert.Equal(0.001, LargestStep("shortcut.0.weight"), 5);
        Assert.Equal(0.001, LargestStep("deep.towers.heads.0.weight"), 5);
        Assert.Equal(0.01, LargestStep("deep.input.embeddings.0.weight"), 4);
        Assert.Equal(0.001, LargestStep("deep.levels.0.shared.0.layers.linear0.weight"), 5);
        Assert.Contains(new TrainingOptions { EmbeddingLearningRate = -1 }.Problems(), p => p.Contains("EmbeddingLearningRate", StringComparison.Ordinal));
    }
}
