using Batch.Core.Options;
using Batch.Modeling.Training;
using Batch.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling.Training;

/// <summary>Training:LazyEmbeddingUpdates — only the tables' rows in the batch are updated, the decays they missed caught up.</summary>
[Collection(TorchGroup.Name)]
public class LazyEmbeddingUpdatesTests
{
    private static TrainingOptions Options(bool lazy) => new()
    {
        Epochs = 3, BatchSize = 64, LearningRate = 0.01, EmbeddingLearningRate = 0.02, EmbeddingWeightDecay = 0.5, Seed = 5, LazyEmbeddingUpdates = lazy,
        MinStepsPerEpoch = 0, StartAtBaseRates = false, Patience = 2, ValidationDays = 0,
    };

    [Fact]
    public void ARowNoBatchReaches_EndsDecayedOncePerStep_AsTheFullUpdateLeavesIt()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(256); // every value known: the unknown row 0 is in no batch
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("ple+fm+wide"), CPU, seed: 9);
        Tensor Row(string name) => model.Network.named_parameters().Single(p => p.name == name).parameter[0].detach().clone();
        var start = Row("deep.input.embeddings.0.weight");
        var wideStart = Row("wide.tables.0.weight");

        Trainer.Train(model, encoders.Encode(frame), Options(lazy: true), CancellationToken.None);

        // 3 epochs of 4 batches: 12 steps, each multiplying by 1 − 0.02·0.5 (the wide part's rate is LearningRate).
        Assert.True(allclose(Row("deep.input.embeddings.0.weight"), start * Math.Pow(1 - 0.02 * 0.5, 12), rtol: 1e-5, atol: 0));
        Assert.True(allclose(Row("wide.tables.0.weight"), wideStart * Math.Pow(1 - 0.01 * 0.5, 12), rtol: 1e-5, atol: 0));
    }

    [Theory]
    [InlineData("ple+fm+wide+shortcut")]
    [InlineData("cgc+task-embeddings")]
    public void Training_LowersBothLosses_AndEndsCloseToTheFullUpdate(string architecture)
    {
        var (frame, encoders) = ModelingFixtures.Fitted(256);
        using var lazy = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture(architecture), CPU, seed: 9);
        using var full = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture(architecture), CPU, seed: 9);
        var history = Trainer.Train(lazy, encoders.Encode(frame), Options(lazy: true), CancellationToken.None);
        Trainer.Train(full, encoders.Encode(frame), Options(lazy: false), CancellationToken.None);

        Assert.True(history[^1].Losses["ctr"] < history[0].Losses["ctr"], $"CTR loss {history[0].Losses["ctr"]} → {history[^1].Losses["ctr"]}");
        Assert.True(history[^1].Losses["ctcvr"] < history[0].Losses["ctcvr"], $"CTCVR loss {history[0].Losses["ctcvr"]} → {history[^1].Losses["ctcvr"]}");
        // Each of the tiny frame's values is in nearly every batch, so the two differ by little: the fading momentum
        // of a row between its batches.
        var lazyScores = Scorer.Predict(lazy, encoders.Encode(frame));
        var fullScores = Scorer.Predict(full, encoders.Encode(frame));
        var largest = lazyScores["ctr"].Zip(fullScores["ctr"], (a, b) => Math.Abs(a - b)).Max();
        Assert.True(largest < 0.02, $"scores differ by up to {largest}");
    }
}
