using Batch.Core.Options;
using Batch.Modeling.Training;
using Batch.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling.Training;

/// <summary>The trainer applies Training:MinStepsPerEpoch to the frame it is given.</summary>
[Collection(TorchGroup.Name)]
public class SmallWindowBatchTests
{
    [Fact]
    public void ASmallFrame_IsTrainedInHalvedBatches()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(256);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 256, LearningRate = 0.01, Seed = 5, MinStepsPerEpoch = 3, EmbeddingLearningRate = null, StartAtBaseRates = false, EmbeddingWeightDecay = 0, Patience = 2, ValidationDays = 0 };
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("ple"), CPU, seed: 9);
        var steps = new List<TrainingProgress>();

        Trainer.Train(model, encoders.Encode(frame), options, CancellationToken.None, steps.Add);

        // 256 rows: 1 step at 256, 2 at 128, 4 at 64 — the first with at least 3.
        Assert.Equal(4, steps.Count);
        Assert.All(steps, s => Assert.Equal(4, s.Batches));
        Assert.Equal([64L, 128, 192, 256], steps.Select(s => s.Samples));
        Assert.Equal(256, options.BatchSize); // the profile's settings are left as they are
    }
}
