using Batch.Core.Options;
using Batch.Modeling.Features;
using Batch.Modeling.Training;
using Batch.Tests.Support;
using TorchSharp.PyBridge;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling;

[Collection(TorchGroup.Name)]
public class MultiTaskModelTests
{
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

    [Theory]
    [MemberData(nameof(ModelingFixtures.AllArchitectures), MemberType = typeof(ModelingFixtures))]
    public void Train_LowersBothLossesOnATinySeededFrame(string name)
    {
        var (frame, encoders) = ModelingFixtures.Fitted(256);
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture(name), CPU, seed: 5);
        var history = Trainer.Train(model, encoders.Encode(frame),
            new TrainingOptions { Epochs = 30, BatchSize = 64, LearningRate = 0.01, Seed = 5 }, CancellationToken.None);
        Assert.True(history[^1].Ctr < history[0].Ctr * 0.9, $"{name}: CTR loss {history[0].Ctr} → {history[^1].Ctr}");
        Assert.True(history[^1].Ctcvr < history[0].Ctcvr * 0.9, $"{name}: CTCVR loss {history[0].Ctcvr} → {history[^1].Ctcvr}");
    }

    [Theory]
    [MemberData(nameof(ModelingFixtures.AllArchitectures), MemberType = typeof(ModelingFixtures))]
    public void SaveThenLoad_GivesIdenticalPredictions(string name)
    {
        var (frame, encoders) = ModelingFixtures.Fitted(64);
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture(name), CPU, seed: 9);
        using var buffer = new MemoryStream();
        model.SaveWeights(buffer);
        buffer.Position = 0;
        using var loaded = MultiTaskModel.Load(buffer, encoders, ModelingFixtures.Architecture(name), CPU);
        var before = Scorer.Predict(model, encoders.Encode(frame));
        var after = Scorer.Predict(loaded, encoders.Encode(frame));
        Assert.Equal(before.Ctr, after.Ctr);
        Assert.Equal(before.Cvr, after.Cvr);
    }

    [Theory]
    [MemberData(nameof(ModelingFixtures.AllArchitectures), MemberType = typeof(ModelingFixtures))]
    public void Load_FailsLoudly_WhenAWeightIsMissingOrRenamed(string name)
    {
        var (frame, encoders) = ModelingFixtures.Fitted(16);
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture(name), CPU, seed: 9);
        var names = model.Network.state_dict().Keys.ToList();

        var missing = Rewrite(model, names[0], newName: null);
        var e = Assert.Throws<InvalidDataException>(() => MultiTaskModel.Load(missing, encoders, ModelingFixtures.Architecture(name), CPU));
        Assert.Contains("do not fit", e.Message, StringComparison.Ordinal);

        var renamed = Rewrite(model, names[^1], names[^1] + "_renamed");
        Assert.Throws<InvalidDataException>(() => MultiTaskModel.Load(renamed, encoders, ModelingFixtures.Architecture(name), CPU));
    }

    private static MemoryStream Rewrite(MultiTaskModel model, string name, string? newName)
    {
        var state = model.Network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        var tensor = state[name];
        state.Remove(name);
        if (newName is not null) state[newName] = tensor;
        var stream = new MemoryStream();
        Safetensors.SaveStateDict(stream, state, leaveOpen: true);
        stream.Position = 0;
        return stream;
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(float obj) => 0;
    }
}
