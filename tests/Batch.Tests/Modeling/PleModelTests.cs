using Batch.Modeling.Architectures;
using Batch.Modeling.Features;
using Batch.Modeling.Training;
using Batch.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling;

[Collection(TorchGroup.Name)]
public class PleModelTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 2)]
    public void Forward_GivesOneLogitPerTask(int batch, int levels)
    {
        using var scope = NewDisposeScope();
        using var model = new PleModel([3, 2], numericCount: 1, tasks: 2, ModelingFixtures.Ple(levels));
        var logits = model.forward(zeros([batch, 2], dtype: int64), zeros([batch, 1]));
        Assert.Equal([batch, 2L], logits.shape);
    }

    [Fact]
    public void Cgc_TaskSpecificExpertsGetNoGradientFromTheOtherTask()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var model = new PleModel([3, 2], numericCount: 1, tasks: 2, ModelingFixtures.Ple(levels: 1));
        var logits = model.forward(tensor(new long[] { 0, 1, 2, 0, 1, 1 }, [3, 2]), randn([3, 1]));
        logits[.., 0].sum().backward(); // task 0's loss only
        var grads = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad);
        var task1Specific = grads.Where(g => g.Key.StartsWith("levels.0.specific.1.", StringComparison.Ordinal)).ToList();
        var task0Specific = grads.Where(g => g.Key.StartsWith("levels.0.specific.0.", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(task1Specific);
        Assert.All(task1Specific, g => Assert.True(g.Value is null || g.Value.abs().sum().item<float>() == 0, g.Key));
        Assert.Contains(task0Specific, g => g.Value is not null && g.Value.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Esmm_ComposesCtcvrAsTheProductOfCtrAndCvr()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 0, 0, MathF.Log(3), -MathF.Log(3) }, [2, 2]);
        var (ctr, cvr, ctcvr) = Esmm.Probabilities(logits);
        Assert.Equal([0.5f, 0.75f], ctr.data<float>().ToArray(), new FloatTolerance(1e-6f));
        Assert.Equal([0.5f, 0.25f], cvr.data<float>().ToArray(), new FloatTolerance(1e-6f));
        Assert.Equal([0.25f, 0.1875f], ctcvr.data<float>().ToArray(), new FloatTolerance(1e-6f));

        // Both losses over all impressions: row 1 clicked and converted, row 2 neither.
        var (ctrLoss, ctcvrLoss) = Esmm.Losses(logits, tensor(new float[] { 1, 0 }), tensor(new float[] { 1, 0 }));
        Assert.Equal(-(Math.Log(0.5) + Math.Log(0.25)) / 2, ctrLoss.item<float>(), 5);
        Assert.Equal(-(Math.Log(0.25) + Math.Log(1 - 0.1875)) / 2, ctcvrLoss.item<float>(), 5);
    }

    [Fact]
    public void Train_LowersBothLossesOnATinySeededFrame()
    {
        var frame = ModelingFixtures.Frame(256);
        var encoders = FeatureEncoders.Fit(frame, ModelingFixtures.Features);
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Ple(), CPU, seed: 5);
        var history = Trainer.Train(model, encoders.Encode(frame),
            new Batch.Core.Options.TrainingOptions { Epochs = 30, BatchSize = 64, LearningRate = 0.01, Seed = 5 }, CancellationToken.None);
        Assert.True(history[^1].Ctr < history[0].Ctr * 0.9, $"CTR loss {history[0].Ctr} → {history[^1].Ctr}");
        Assert.True(history[^1].Ctcvr < history[0].Ctcvr * 0.9, $"CTCVR loss {history[0].Ctcvr} → {history[^1].Ctcvr}");
    }

    [Fact]
    public void SaveThenLoad_GivesIdenticalPredictions()
    {
        var frame = ModelingFixtures.Frame(64);
        var encoders = FeatureEncoders.Fit(frame, ModelingFixtures.Features);
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Ple(), CPU, seed: 9);
        using var buffer = new MemoryStream();
        model.SaveWeights(buffer);
        buffer.Position = 0;
        using var loaded = MultiTaskModel.Load(buffer, encoders, ModelingFixtures.Ple(), CPU);
        var before = Scorer.Predict(model, encoders.Encode(frame));
        var after = Scorer.Predict(loaded, encoders.Encode(frame));
        Assert.Equal(before.Ctr, after.Ctr);
        Assert.Equal(before.Cvr, after.Cvr);
    }

    [Fact]
    public void Load_FailsLoudly_WhenAWeightIsMissing()
    {
        var frame = ModelingFixtures.Frame(16);
        var encoders = FeatureEncoders.Fit(frame, ModelingFixtures.Features);
        using var oneLevel = MultiTaskModel.Create(encoders, ModelingFixtures.Ple(levels: 1), CPU, seed: 9);
        using var buffer = new MemoryStream();
        oneLevel.SaveWeights(buffer);
        buffer.Position = 0;
        // Two levels expect tensors (levels.1.*) that a one-level file does not have.
        var e = Assert.Throws<InvalidDataException>(() => MultiTaskModel.Load(buffer, encoders, ModelingFixtures.Ple(levels: 2), CPU));
        Assert.Contains("do not fit", e.Message, StringComparison.Ordinal);
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(float obj) => 0;
    }
}
